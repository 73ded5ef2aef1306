"""Options and error handling shared by the ``fevermap`` command groups."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from fevermap.errors import FevermapError, NoRouteError

F = TypeVar("F", bound=Callable[..., Any])

RegionOpt = Annotated[
    Path | None,
    typer.Option("--region", help="Region directory from `fevermap build` (default: the bundled demo region)."),
]


ServedRegionsOpt = Annotated[
    list[Path] | None,
    typer.Option("--region", help="Region directory to serve; repeat for several (default: the demo region)."),
]
RegionsFolderOpt = Annotated[
    Path | None, typer.Option("--regions", help="Serve every region directory inside this folder.")
]


def fail(message: str, code: int = 1) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Turn fevermap's errors into ``error: ...`` on stderr and exit 2 (bad input), 3 (no route) or 1 (other)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NoRouteError as exc:
            fail(str(exc), 3)
        except FevermapError as exc:
            fail(str(exc), 2 if isinstance(exc, ValueError) else 1)

    return wrapper  # type: ignore[return-value]
