"""``fevermap route`` start-up: without the web, database, dataframe, OSM-reading, projection or validation packages;
speed is measured in ``benchmarks/bench_cli.py``, not here."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import sys
from fevermap.api.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert not exc.code, exc.code
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _run(*args: str) -> tuple[str, set[str]]:
    out = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True, check=True, timeout=120)
    return out.stdout, set(out.stderr.split())


#: What one route from the command line must not import: the web, the database, dataframes, OSM reading (osmium, the
#: graph builder), pyproj (the local projection is numpy: fevermap.geo.projection), pydantic (typer >= 0.26 imports it
#: for every option; the CLI is click), shapely and scipy.
HEAVY = {
    "fastapi", "sqlalchemy", "pandas", "fevermap.clinics", "fevermap.tracing", "osmium", "fevermap.routing.build",
    "pyproj", "pydantic", "typer", "shapely", "scipy",
}  # fmt: skip


def test_route_runs_without_web_database_or_dataframes() -> None:
    _run("info")  # builds the demo region if this test run has not yet (building imports osmium, pyproj, scipy)
    stdout, loaded = _run("route", "--from", "121.4737,31.2304", "--to", "121.4997,31.2397")
    assert json.loads(stdout)["distance_m"] > 1000
    assert not HEAVY & loaded, HEAVY & loaded


def test_groups_and_the_version_flag_still_go_through_the_whole_app() -> None:
    assert _run("--version")[0].strip()
    assert "import" in _run("clinics", "--help")[0]
    route_help = _run("route", "--help")[0]
    assert "Usage: fevermap route" in route_help
    assert "`--steps`" in route_help and "``" not in route_help  # the docstrings' reST literals read plainly


def test_a_bad_call_of_a_top_level_command_still_fails_with_the_message() -> None:
    out = subprocess.run([sys.executable, "-c", CODE, "route", "--from", "1,2"], capture_output=True, text=True)
    assert out.returncode != 0 and "give --from LON,LAT and --to LON,LAT" in out.stderr
