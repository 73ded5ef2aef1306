"""Error classes shared by the domain packages.

Each subclasses a built-in so that callers can catch them generically; ``fevermap.api`` maps them to HTTP status
codes (and OSRM ``code`` values) in one place.
"""


class FevermapError(Exception):
    """Base class of every fevermap error."""


class InputError(FevermapError, ValueError):
    """Input that cannot be used as given; the message says what to fix."""


class CoordinateError(InputError):
    """A coordinate out of range, swapped, or outside the region."""


class SnapError(InputError):
    """A point too far from any road to be snapped."""


class NoRouteError(FevermapError, LookupError):
    """No drivable route connects the two points (e.g. a closed road cuts them off)."""


class NotFoundError(FevermapError, LookupError):
    """An unknown id (clinic, region, declaration...)."""


class RegionError(FevermapError, OSError):
    """A region directory that is missing, incomplete or from an incompatible version."""


class ConflictError(FevermapError, ValueError):
    """An update that conflicts with stored state (e.g. one from the future)."""


class PhoneNumberError(InputError):
    """A phone number that cannot be parsed or is not a valid number (clinic registry)."""


class FutureObservationError(ConflictError):
    """A status update observed in the future beyond the allowed clock skew (clinic registry)."""
