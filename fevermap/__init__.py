"""fevermap: nearest available fever clinic by driving time, and exposure matching for epidemic response."""

__version__ = "0.1.0"
