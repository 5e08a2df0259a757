"""Providers service: Technical service agencies, their qualifications, experts and certificates, offerings, insurer panels, reviews, complaints and agency performance."""
