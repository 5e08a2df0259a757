"""The anze command line and composition root."""
