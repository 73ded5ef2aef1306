"""Exposure matching: declared itineraries against confirmed-case tracks, explained and ranked for investigators."""
