"""Turn-by-turn guidance: a pure function from a route leg's edge path and the graph to OSRM-style steps."""

from fevermap.routing.guidance.attributes import EdgeAttributes
from fevermap.routing.guidance.geometry import Junctions
from fevermap.routing.guidance.steps import GuidedStep, Intersection, guide

__all__ = ["EdgeAttributes", "GuidedStep", "Intersection", "Junctions", "guide"]
