"""Access control and privacy: hashed API keys with roles bound to a clinic or an area, the audit log, retention."""
