"""Several regions in one service: which region answers a coordinate, their footprints and their catalogue.

A deployment serves many cities; each is a region directory built by ``fevermap build``. :class:`RegionSet` holds
the loaded regions (each with its own router) and picks the one that answers a request from its coordinates.
"""
