"""A direct lane for light OSRM route and nearest requests: answered before FastAPI's routing, with the same answers.

An ASGI middleware, the outermost of the app's own (inside Starlette's server-error layer). A ``GET
/route/v1/{profile}/{coordinates}`` or ``/nearest/v1/...`` that :func:`fevermap.api.routes_osrm.light` calls light
is answered by the function its FastAPI handler calls (:func:`fevermap.api.routes_osrm.answer_light`), without the
route matching, the exception layer, the body limit (a GET has no body), gzip (an answer of :data:`GZIP_MIN_BYTES`
or more goes through the same gzip middleware as the app's answers) and FastAPI's request handling in between: about
0.06 ms of CPU a request over the lane inside those layers, 0.1-0.2 ms over no lane. An error it raises (an OSRM
error, a point in no region) is answered by the app's own handler of that error, as the app's exception layer would. Any
other request goes to the app. ``Settings.osrm_lane`` turns the lane off; ``tests/api/test_osrm_lane.py`` holds
both ways to the same bytes.
"""

from __future__ import annotations

import inspect
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fevermap.api import nearest_lane, routes_osrm

#: Answers of this many bytes or more are gzipped for a client that accepts it (the app's GZipMiddleware).
GZIP_MIN_BYTES = 2048
_PATH = re.compile(r"/(route|nearest)/v1/([^/]+)/([^/]+)")


class OsrmLane:
    """ASGI middleware: light OSRM requests answered directly (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path, root = scope["path"], scope.get("root_path", "")
            path = path[len(root) :] if root and path.startswith(root) else path
            if path == nearest_lane.PATH:
                if await self._nearest(scope, receive, send):
                    return
            else:
                match = _PATH.fullmatch(path)
                if match is not None and await self._answer(scope, receive, send, match):
                    return
        await self.app(scope, receive, send)

    async def _nearest(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer a plain nearest-clinics request (:mod:`fevermap.api.nearest_lane`); False (nothing sent) for
        anything else, and for a request whose answer raises: the app answers it, error and all."""
        app: Any = scope.get("app")
        settings = getattr(app.state, "settings", None) if app is not None else None
        if settings is None or not settings.nearest_lane:
            return False
        query = nearest_lane.light_query(scope.get("query_string", b""))
        if query is None:
            return False
        try:
            lon, lat = nearest_lane.origin(query)
            locator = nearest_lane.region_of(app.state.regions, lon, lat).services["locator"]
            if locator.snapshot_due() and not locator.registry.local_database:  # PostgreSQL: read on a thread
                response = await run_in_threadpool(nearest_lane.answer, locator, lon, lat, query)
            else:
                response = nearest_lane.answer(locator, lon, lat, query)
        except Exception:  # the app answers it (and computes it again): its handlers shape the error
            return False
        await self._send(response, scope, receive, send)
        return True

    async def _answer(self, scope: Scope, receive: Receive, send: Send, match: re.Match[str]) -> bool:
        """Answer a light request; False (nothing sent) for anything else."""
        service, profile, coordinates = match.group(1), match.group(2), match.group(3)
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if not routes_osrm.light(service, coordinates, params):
            return False
        app: Any = scope.get("app")
        if app is None or not getattr(app.state, "settings", None) or not app.state.settings.osrm_lane:
            return False
        # the path parameters FastAPI would have matched: region selection reads the coordinates there
        request = Request({**scope, "path_params": {"profile": profile, "coordinates": coordinates}}, receive)
        try:
            response = routes_osrm.answer_light(request, service, coordinates, params)
        except Exception as exc:  # answered by the app's own handler of it, as its exception layer would
            handler = next((app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers), None)
            if handler is None:
                return False  # the app answers it (and computes it again): none of fevermap's errors
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await self._send(response, scope, receive, send)
        return True

    @staticmethod
    async def _send(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        if len(response.body) < GZIP_MIN_BYTES:
            await response(scope, receive, send)  # what the gzip middleware does with a small answer: nothing
        else:
            await GZipMiddleware(response, minimum_size=GZIP_MIN_BYTES)(scope, receive, send)
