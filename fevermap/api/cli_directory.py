"""``fevermap directory ...``: the national clinic directory (no locations) on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fevermap.api.cli_common import handle_errors

directory_app = typer.Typer(
    name="directory",
    help="National directory of fever clinics (the 2020 list): by province and city, phone first; no locations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _store(*, bundled: bool = True) -> Any:
    from fevermap.db import open_database
    from fevermap.directory.store import DirectoryStore, bundled_list_path

    return DirectoryStore(open_database(), bundled=bundled_list_path() if bundled else None)


@directory_app.command("import")
@handle_errors
def import_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(help="National list JSON (provinceList[].cityList[].hospitalList[]); default: the bundled one."),
    ] = None,
) -> None:
    """Import (or re-import, idempotently) the national list into the database; prints counts per province."""
    from fevermap.directory.source import read_national_list
    from fevermap.directory.store import bundled_list_path

    _emit(_store(bundled=False).import_list(read_national_list(file or bundled_list_path())).to_dict())


@directory_app.command("search")
@handle_errors
def search_cmd(
    province: Annotated[str | None, typer.Option(help="Province: 青海省, 青海 or qinghai.")] = None,
    city: Annotated[str | None, typer.Option(help="City: 果洛藏族自治州, 果洛州, 果洛 or guoluo.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Name, county or address (Chinese, pinyin or initials).")] = None,
    limit: Annotated[int, typer.Option(help="Most entries to print.")] = 100,
) -> None:
    """Clinics of a province or city (entries with a dialable phone first)."""
    _emit(_store().search(province, city, q, limit=limit))


@directory_app.command("cities")
@handle_errors
def cities_cmd() -> None:
    """Every province and city of the list with its number of clinics."""
    _emit(_store().provinces())
