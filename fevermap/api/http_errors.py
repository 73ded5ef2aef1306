"""The one place where fevermap's errors become HTTP answers (and OSRM ``code`` values).

Only fevermap's own errors (:class:`fevermap.errors.FevermapError`) become 4xx/503 answers. Anything else (a plain
``ValueError``, a database error) is a programming error: it is logged with its traceback and answered 500, so that
tests and schemathesis find it instead of taking it for bad client input.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from fevermap.errors import (
    AuthenticationError,
    ConflictError,
    CoordinateError,
    FevermapError,
    ForbiddenError,
    InputError,
    NoRouteError,
    NotFoundError,
    RateLimitError,
    RegionError,
    SnapError,
)

logger = logging.getLogger("fevermap")

#: (status, OSRM-style code) per error class, most specific first.
ERROR_MAP: list[tuple[type[Exception], int, str]] = [
    (AuthenticationError, 401, "Unauthorized"),
    (ForbiddenError, 403, "Forbidden"),
    (RateLimitError, 429, "TooManyRequests"),
    (SnapError, 422, "NoSegment"),
    (CoordinateError, 422, "InvalidValue"),
    (NoRouteError, 422, "NoRoute"),
    (NotFoundError, 404, "NotFound"),
    (ConflictError, 409, "Conflict"),
    (InputError, 422, "InvalidQuery"),
    (RegionError, 503, "RegionUnavailable"),
]


def classify(exc: Exception) -> tuple[int, str]:
    """HTTP status and OSRM-style code of an error."""
    for cls, status, code in ERROR_MAP:
        if isinstance(exc, cls):
            return status, code
    return 500, "InternalError"


_ERROR_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}
#: Documented error answers of every endpoint (the body says what to fix).
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "Bad request (OSRM-compatible endpoints: `code` and `message`)", **_ERROR_BODY},
    401: {"description": "No API key, or an unknown or revoked one", **_ERROR_BODY},
    403: {"description": "The key's role or binding does not allow this", **_ERROR_BODY},
    404: {"description": "Unknown id", **_ERROR_BODY},
    409: {"description": "Conflicts with stored state (e.g. a status observed in the future)", **_ERROR_BODY},
    413: {"description": "Request body too large", **_ERROR_BODY},
    422: {"description": "Input that cannot be used; `detail` says what to fix", **_ERROR_BODY},
    429: {"description": "Too many requests from this client", **_ERROR_BODY},
}


class OsrmError(Exception):
    """An error answered in OSRM's shape: HTTP 400 ``{"code": ..., "message": ...}``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(FevermapError)
    async def _fevermap_error(_request: Request, exc: FevermapError) -> JSONResponse:
        status, code = classify(exc)
        return JSONResponse({"detail": str(exc), "code": code}, status_code=status)

    @app.exception_handler(OsrmError)
    async def _osrm_error(_request: Request, exc: OsrmError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
        # not fevermap's input error: a defect, logged with its traceback (Starlette re-raises it after answering)
        logger.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error", "code": "InternalError"}, status_code=500)
