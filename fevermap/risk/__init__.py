"""Risk areas (sealed / controlled / prevention) derived from case places by rule sets kept as data."""
