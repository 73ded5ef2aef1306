"""Announced case counts by day and district (public, aggregate, no personal data)."""
