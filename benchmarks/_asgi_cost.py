"""CPU cost of one request per endpoint, inside one process and without a network: where a load test's CPU goes.

The app is driven through its ASGI interface directly (its lifespan loads the region as ``fevermap serve`` does), so
the figures are framework + handler + serialisation, without sockets, HTTP parsing or the load generator.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fevermap.api.app import create_app
from fevermap.config import Settings

Request = tuple[str, str, str, bytes, dict[str, str]]  # method, path, query, body, headers


async def _call(app: Callable[..., object], req: Request) -> int:
    method, path, query, body, headers = req
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    status = 0

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    await app(scope, receive, send)  # type: ignore[operator]
    return status


def endpoint_costs(
    database_url: str, points: list[tuple[float, float]], clinic: tuple[str, str], n: int = 1000
) -> dict[str, float]:
    """Mean CPU ms per request for ``/health``, ``/clinics/nearest``, ``/route`` and a status update.

    Parameters
    ----------
    database_url : str
        A prepared database (clinics of the demo region and the clinic's key).
    points : list of (lon, lat)
        Origins and destinations in degrees, each near a road.
    clinic : (str, str)
        A clinic id and an API key bound to it, for the status updates.
    n : int
        Requests per endpoint (after 100 warm-up requests).
    """
    app = create_app(Settings(database_url=database_url))
    k = len(points)

    def at(i: int) -> str:
        return f"{points[i % k][0]},{points[i % k][1]}"

    def status(i: int) -> Request:
        body = f'{{"slots": {i % 40}, "observed_at": "{datetime.now(UTC).isoformat()}"}}'.encode()
        headers = {"content-type": "application/json", "x-api-key": clinic[1]}
        return ("PUT", f"/clinics/{clinic[0]}/status", "", body, headers)

    kinds: dict[str, Callable[[int], Request]] = {
        "GET /health": lambda i: ("GET", "/health", "", b"", {}),
        "GET /clinics/nearest": lambda i: ("GET", "/clinics/nearest", f"limit=3&with_slots=true&at={at(i)}", b"", {}),
        "GET /route": lambda i: ("GET", "/route", f"from={at(i)}&to={at(k - 1 - i)}", b"", {}),
        "PUT /clinics/{id}/status": status,
    }

    async def run() -> dict[str, float]:
        out = {}
        async with app.router.lifespan_context(app):
            for name, make in kinds.items():
                for i in range(100):
                    assert await _call(app, make(i)) == 200, name
                cpu = time.process_time()
                for i in range(n):
                    await _call(app, make(i))
                out[name] = (time.process_time() - cpu) / n * 1000
        return out

    return asyncio.run(run())
