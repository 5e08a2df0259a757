"""The exposure board (曝光台): cases the bureau publishes, served by the bookings service."""
