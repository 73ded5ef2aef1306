"""Road routing: OSM extract to drivable graph, CCH engine, snapping, live traffic, one-to-many times."""
