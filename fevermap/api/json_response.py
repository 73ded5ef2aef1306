"""A JSON response serialised straight with the standard library (plain dicts and lists, no encoder walk).

Hot endpoints (nearest clinic, route) build plain JSON-ready data in the domain; FastAPI's generic encoder would walk
every coordinate of a route again, which costs more than the route itself.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
