"""Providers service: vetted agencies, qualifications, experts, offerings, insurer panels, reviews, complaints."""
