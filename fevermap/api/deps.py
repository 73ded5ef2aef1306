"""Dependencies shared by the HTTP handlers (``Annotated`` aliases, FastAPI full-stack style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fevermap.config import Settings
from fevermap.routing.router import Router


def get_router(request: Request) -> Router:
    """The router loaded once in the app's lifespan."""
    router: Router = request.app.state.router
    return router


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


RouterDep = Annotated[Router, Depends(get_router)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
