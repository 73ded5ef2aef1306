"""fevermap.api.http_errors: fevermap's own input errors become 4xx, anything else is a logged 500."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from fevermap.api.app import create_app
from fevermap.config import Settings
from fevermap.errors import CoordinateError, NotFoundError


def _app_raising(exc: Exception) -> TestClient:
    app = create_app(Settings())

    def boom() -> None:
        raise exc

    app.add_api_route("/boom", boom)
    return TestClient(app, raise_server_exceptions=False)  # no lifespan: nothing but the error handlers is needed


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (CoordinateError("latitude 91 is out of range"), 422, "InvalidValue"),
        (NotFoundError("no such id"), 404, "NotFound"),
    ],
)
def test_fevermap_errors_are_client_errors(exc: Exception, status: int, code: str) -> None:
    r = _app_raising(exc).get("/boom")
    assert (r.status_code, r.json()) == (status, {"detail": str(exc), "code": code})


@pytest.mark.parametrize("exc", [ValueError("a bug, not the client's input"), KeyError("x"), ZeroDivisionError()])
def test_other_errors_are_logged_500s(exc: Exception, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="fevermap"):
        r = _app_raising(exc).get("/boom")
    assert r.status_code == 500 and r.json()["code"] == "InternalError"
    assert "a bug" not in r.text  # the message of a defect is for the log, not the client
    assert any(rec.exc_info and rec.exc_info[1] is exc for rec in caplog.records)
