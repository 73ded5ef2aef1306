"""``fevermap directory ...``: the national clinic directory (no locations) on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fevermap.api.cli_common import PATH, emit, group, handle_errors

directory_app = group(
    "National directory of fever clinics (the 2020 list): by province and city, phone first; no locations."
)


def _store(*, bundled: bool = True) -> Any:
    from fevermap.db import open_database
    from fevermap.directory.store import DirectoryStore, bundled_list_path

    return DirectoryStore(open_database(), bundled=bundled_list_path() if bundled else None)


@directory_app.command("import")
@click.argument("file", type=PATH, required=False)
@handle_errors
def import_cmd(file: Path | None) -> None:
    """Import (or re-import, idempotently) the national list into the database; prints counts per province.

    FILE: national list JSON (provinceList[].cityList[].hospitalList[]); default: the bundled one.
    """
    from fevermap.directory.source import read_national_list
    from fevermap.directory.store import bundled_list_path

    emit(_store(bundled=False).import_list(read_national_list(file or bundled_list_path())).to_dict(), indent=2)


@directory_app.command("search")
@click.option("--province", default=None, help="Province: 青海省, 青海 or qinghai.")
@click.option("--city", default=None, help="City: 果洛藏族自治州, 果洛州, 果洛 or guoluo.")
@click.option("--q", default=None, help="Name, county or address (Chinese, pinyin or initials).")
@click.option("--limit", type=int, default=100, help="Most entries to print.")
@handle_errors
def search_cmd(province: str | None, city: str | None, q: str | None, limit: int) -> None:
    """Clinics of a province or city (entries with a dialable phone first)."""
    emit(_store().search(province, city, q, limit=limit), indent=2)


@directory_app.command("cities")
@handle_errors
def cities_cmd() -> None:
    """Every province and city of the list with its number of clinics."""
    emit(_store().provinces(), indent=2)
