"""Options and error handling shared by the ``fevermap`` command groups (click).

The command line is built on click directly: typer >= 0.26 builds a pydantic adapter for every option when a
command starts, about 100 ms of a one-route command's start-up (``benchmarks/RESULTS.md``, CLI start-up).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from fevermap.errors import FevermapError, NoRouteError

F = TypeVar("F", bound=Callable[..., Any])

#: Every group and command: ``--help`` only (no ``-h``), defaults shown in the help.
CONTEXT = {"show_default": True}

PATH = click.Path(path_type=Path)

region_opt = click.option(
    "--region",
    type=PATH,
    default=None,
    help="Region directory from `fevermap build` (default: the bundled demo region).",
)
served_regions_opt = click.option(
    "--region", "region", type=PATH, multiple=True,
    help="Region directory to serve; repeat for several (default: the demo region).",
)  # fmt: skip
regions_folder_opt = click.option(
    "--regions", type=PATH, default=None, help="Serve every region directory inside this folder."
)
traffic_opt = click.option(
    "--traffic", type=PATH, default=None,
    help="OSRM segment-speed CSV: from_osm_node_id,to_osm_node_id,speed_kmh[,rate].",
)  # fmt: skip


class Command(click.Command):
    """A command whose help shows the docstrings' reST literals (````--steps````) as `--steps`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("help"):
            kwargs["help"] = str(kwargs["help"]).replace("``", "`")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """A group whose commands are :class:`Command`."""

    command_class = Command


def group(help_text: str) -> click.Group:
    """A command group that prints its help when called without a command."""
    return Group(help=help_text, no_args_is_help=True, context_settings=CONTEXT)


def emit(obj: Any, *, indent: int | None = None) -> None:
    """Print ``obj`` as one JSON document on stdout (non-ASCII kept)."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=indent))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(code)


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
