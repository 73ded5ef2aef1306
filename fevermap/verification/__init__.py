"""Risk-status checks for a partner jurisdiction on pseudonymous ids (HMAC-SHA-256 of E.164 phone numbers)."""
