"""The one place where fevermap's errors become HTTP answers (and OSRM ``code`` values)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

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

    @app.exception_handler(ValueError)
    async def _value_error(_request: Request, exc: ValueError) -> JSONResponse:
        # a value that domain code could not use: the client's input, answered as such (never a 500)
        return JSONResponse({"detail": str(exc), "code": "InvalidValue"}, status_code=422)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # a value the database refused (a schema check should have caught it first): the client's input
        return JSONResponse({"detail": f"a value could not be stored: {exc.orig}", "code": "InvalidValue"}, 422)

    @app.exception_handler(OsrmError)
    async def _osrm_error(_request: Request, exc: OsrmError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)
