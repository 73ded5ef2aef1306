"""Options shared by the ``fevermap`` command groups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

RegionOpt = Annotated[
    Path | None,
    typer.Option("--region", help="Region directory from `fevermap build` (default: the bundled demo region)."),
]
