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


class FormatError(InputError):
    """A file in an unknown format, or not in the format it claims (say which formats are accepted)."""


class RecordError(InputError):
    """One input record that cannot be used; ``record`` names it (file and line or feature), the message says why.

    Readers collect these per record instead of raising, so that one bad record does not lose the others.
    """

    def __init__(self, record: str, message: str) -> None:
        super().__init__(f"{record}: {message}")
        self.record = record
        self.reason = message


class AuthenticationError(FevermapError, PermissionError):
    """No API key, or one that is unknown or revoked (HTTP 401)."""


class ForbiddenError(FevermapError, PermissionError):
    """A valid key without the right to this action or this object (HTTP 403)."""


class RateLimitError(FevermapError, RuntimeError):
    """Too many requests from one client in a short time (HTTP 429)."""


class MissingExtraError(FevermapError, ImportError):
    """An optional backend whose extra is not installed; the message names the ``pip install`` that adds it."""

    def __init__(self, what: str, extra: str) -> None:
        super().__init__(
            f"{what} needs the optional dependencies of fevermap[{extra}]: pip install 'fevermap[{extra}]'"
        )
        self.extra = extra


class RuleSetError(InputError):
    """A risk-area rule set that cannot be used (overlapping or negative windows, bad radius...): says what to fix."""


class ExcludePolygonError(InputError):
    """An exclude polygon that is invalid, self-intersecting, too large or in the wrong axis order."""


class OsrmRequestError(InputError):
    """An OSRM-service request that cannot be answered as asked; ``code`` is OSRM's own error code
    (``InvalidOptions``, ``InvalidValue``, ``NoSegment``, ``NotImplemented``...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
