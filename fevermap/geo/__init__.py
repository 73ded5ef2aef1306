"""Spatial primitives: coordinate checks, geodesics, local projections, spatial indexes, GCJ-02 conversion."""
