"""Spatial primitives: coordinate checks, geodesics, local projections, spatial indexes, datums (GCJ-02, BD-09)."""
