"""Syndromic surveillance: symptom reports with triage advice, daily series by area, aberration detection, alerts."""
