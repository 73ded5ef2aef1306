"""The ``fevermap`` command line. Each command parses, calls one domain function and prints JSON.

Domain packages are imported inside the commands, so that ``fevermap route`` does not pay for the clinics, tracing,
the database or pandas at start-up (``tests/api/test_cli_imports.py``). Built on click (see
:mod:`fevermap.api.cli_common`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fevermap import __version__
from fevermap.api.cli_common import (
    CONTEXT,
    PATH,
    Group,
    emit,
    group,
    handle_errors,
    region_opt,
    regions_folder_opt,
    served_regions_opt,
    traffic_opt,
)
from fevermap.api.cli_risk import avoid_opts, route_avoiding_cli
from fevermap.errors import FevermapError, InputError
from fevermap.geo.lonlat import parse_lonlat

if TYPE_CHECKING:
    from fevermap.routing.router import Router


@click.group(
    name="fevermap",
    help="Nearest available fever clinic by driving time in live traffic; exposure matching for investigators.\n\n"
    "Road data (c) OpenStreetMap contributors, ODbL 1.0.",
    no_args_is_help=True,
    context_settings=CONTEXT,
    cls=Group,
)
@click.version_option(__version__, "--version", message="%(version)s", help="Print the version.")
def app() -> None:
    """fevermap command line."""


max_snap_opt = click.option(
    "--max-snap-m", type=float, default=1000.0, help="Refuse points farther than this from every road (metres)."
)


def make_router(region: Path | None, traffic: Path | None = None, max_snap_m: float = 1000.0) -> Router:
    """Open a region, build its router and apply a traffic file (report on stderr)."""
    import json

    from fevermap.routing.region import open_region
    from fevermap.routing.router import Router

    router = Router(open_region(region), max_snap_m=max_snap_m)
    if traffic is not None:
        report = router.apply_traffic(traffic)
        click.echo(f"traffic: {json.dumps(report.to_dict())}", err=True)
    return router


@app.command()
@click.argument("osm_files", nargs=-1, required=True, type=PATH)
@click.option(
    "--out", type=PATH, required=True,
    help="Region directory to write; with several extracts, the folder that gets one each.",
)  # fmt: skip
@click.option("--name", default=None, help="Region name (default: from the file name; one extract).")
@click.option("--timezone", default=None, help="IANA time zone (default: looked up).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@handle_errors
def build(osm_files: tuple[Path, ...], out: Path, name: str | None, timezone: str | None, progress: bool) -> None:
    """Build region directories (drivable graph, CCH order, edge index, metadata) from OSM extracts
    (.osm, .osm.gz, .osm.bz2 or .osm.pbf; one or several).

    With several extracts, ``--out`` is a regions folder (serve it with ``fevermap serve --regions``): each extract
    becomes ``OUT/<name>``, named from its file. One JSON line per region.
    """
    from fevermap.routing.region import build_region, region_name_of

    if len(osm_files) > 1 and name is not None:
        raise InputError("--name names one region: give one extract, or let each be named from its file")
    keys = ("name", "nodes", "edges", "segments", "timezone", "bbox", "build_seconds")
    for i, osm_file in enumerate(osm_files):
        target = out if len(osm_files) == 1 else out / region_name_of(osm_file)
        if progress and len(osm_files) > 1:
            click.echo(f"[{i + 1}/{len(osm_files)}] {osm_file} -> {target}", err=True)
        region = build_region(osm_file, target, name=name, timezone=timezone, show_progress=progress)
        emit({k: region.meta[k] for k in keys} | {"path": str(target)})


def _route_pairs(router: Router, pairs: Path) -> None:
    if not pairs.exists():
        raise InputError(f"pairs file not found: {pairs}")
    with pairs.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        need = {"from_lon", "from_lat", "to_lon", "to_lat"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise InputError(f"pairs file {pairs} needs the header from_lon,from_lat,to_lon,to_lat")
        for line, row in enumerate(reader, start=2):
            try:
                a = (float(row["from_lon"]), float(row["from_lat"]))
                b = (float(row["to_lon"]), float(row["to_lat"]))
            except (TypeError, ValueError):
                emit({"line": line, "error": "from_lon,from_lat,to_lon,to_lat must be numbers"})
                continue
            try:
                emit({"line": line, **router.route(a, b).to_dict()})
            except FevermapError as exc:
                emit({"line": line, "error": str(exc)})


@app.command()
@click.option("--from", "from_", default=None, help="Origin LON,LAT (degrees, WGS-84).")
@click.option("--to", default=None, help="Destination LON,LAT (degrees, WGS-84).")
@click.option(
    "--pairs", type=PATH, default=None, help="CSV with header from_lon,from_lat,to_lon,to_lat: one JSON line per row."
)
@region_opt
@traffic_opt
@max_snap_opt
@avoid_opts
@click.option("--steps/--no-steps", default=False, help="Add turn-by-turn steps with a text instruction each.")
@click.option("--lang", default="en", help="Language of the instructions: zh or en.")
@handle_errors
def route(
    from_: str | None, to: str | None, pairs: Path | None, region: Path | None, traffic: Path | None,
    max_snap_m: float, avoid: str | None, risk_date: str | None, risk_cases: Path | None, risk_rules: str | None,
    steps: bool, lang: str,
) -> None:  # fmt: skip
    """Fastest driving route: duration_s, distance_m, GeoJSON geometry and the snapped ends; ``--steps`` adds
    turn-by-turn steps (``--lang zh|en``); ``--avoid sealed`` drives around the risk areas of ``--date``, saying which
    it avoided and how much longer it is."""
    if pairs is None and (from_ is None or to is None):
        raise InputError("give --from LON,LAT and --to LON,LAT, or --pairs FILE.csv")
    origin = parse_lonlat(from_, "--from") if from_ else None
    dest = parse_lonlat(to, "--to") if to else None
    router = make_router(region, traffic, max_snap_m)
    if pairs is not None:
        _route_pairs(router, pairs)
        return
    assert origin is not None and dest is not None
    if avoid:
        emit(route_avoiding_cli(router, origin, dest, region=region, avoid=avoid, on=risk_date, cases=risk_cases,
                                rules=risk_rules))  # fmt: skip
        return
    result = router.route(origin, dest)
    if steps:
        from fevermap.routing.directions import route_with_steps

        emit(route_with_steps(router, result, lang))
        return
    emit(result.to_dict())


@app.command("export-graph")
@click.option("--out", type=PATH, required=True, help="GraphML file to write.")
@region_opt
@traffic_opt
@click.option("--turns", is_flag=True, default=False, help="The turn-expanded graph the engine routes on.")
@handle_errors
def export_graph(out: Path, region: Path | None, traffic: Path | None, turns: bool) -> None:
    """Write the road graph as osmnx-compatible GraphML, or with --turns the exact turn graph the engine routes on."""
    from fevermap.routing.export import export_graphml

    path = export_graphml(make_router(region, traffic), out, turns=turns)
    emit({"graphml": str(path)})


@app.command()
@click.option(
    "--region", type=PATH, default=None,
    help="A region directory, or a regions folder to list (default: the demo region).",
)  # fmt: skip
@handle_errors
def info(region: Path | None) -> None:
    """Describe a region (name, size, time zone, car profile, turn restrictions, bounding box, source); a regions
    folder: one JSON line each."""
    from fevermap.routing.region import open_region

    if region is not None and not (region / "meta.json").exists() and region.is_dir():
        from fevermap.regions.catalog import region_dirs

        for path in region_dirs(region):
            emit(open_region(path).meta | {"path": str(path)})
        return
    emit(open_region(region).meta)


@app.command()
@handle_errors
def demo() -> None:
    """Build the bundled demo region (central Shanghai) if needed and show a sample route."""
    router = make_router(None)
    click.echo(
        f"fevermap {__version__}: demo region {router.region.name} ({router.region.meta['nodes']} nodes)",
        err=True,
    )
    result = router.route((121.4737, 31.2304), (121.4997, 31.2397))
    emit(result.to_dict() | {"note": "Road data (c) OpenStreetMap contributors, ODbL 1.0"})


@app.command()
@served_regions_opt
@regions_folder_opt
@click.option("--host", default="127.0.0.1", help="Interface to listen on.")
@click.option("--port", type=int, default=8000, help="TCP port.")
@click.option("--workers", type=int, default=1, help="Worker processes, forked once regions are ready (one per core).")
@click.option("--log-level", default="info", help="uvicorn log level (warning hides per-request lines).")
def serve(region: tuple[Path, ...], regions: Path | None, host: str, port: int, workers: int, log_level: str) -> None:
    """Run the HTTP service (OpenAPI docs at /docs) on one or more regions (default: the bundled demo region).

    A request goes to the region its coordinates lie in; ``/regions/{name}/route/v1/...`` names it. Every region
    must load: a broken one stops the start with a message naming it. The regions are prepared once and the workers
    forked from that process, sharing them (:mod:`fevermap.api.cli_serve`).
    """
    from fevermap.api.cli_serve import serve_regions

    serve_regions(list(region) or None, regions, host, port, workers, log_level)


keys_app = group("API keys of the HTTP service (stored hashed; a token is shown once).")
app.add_command(keys_app, "keys")


@keys_app.command("create")
@click.option("--role", required=True, help="clinic, traffic, investigator, staff, partner or admin.")
@click.option("--clinic", default=None, help="Clinic id a clinic key may update.")
@click.option("--area", default=None, help="Staff: community area; partner: jurisdiction.")
@click.option("--label", default="", help="Free text: who holds the key.")
@handle_errors
def keys_create(role: str, clinic: str | None, area: str | None, label: str) -> None:
    """Create an API key and print its token (only its hash is stored)."""
    from fevermap.access.keys import create_key
    from fevermap.db import open_database, session_factory

    token = create_key(session_factory(open_database()), role, clinic_id=clinic, area=area, label=label)
    emit({"token": token, "role": role, "clinic": clinic, "area": area})


@keys_app.command("revoke")
@click.argument("key_id")
@handle_errors
def keys_revoke(key_id: str) -> None:
    """Revoke an API key at once (KEY_ID: the <id> part of fm_<id>_<secret>)."""
    from fevermap.access.keys import revoke_key
    from fevermap.db import open_database, session_factory

    revoke_key(session_factory(open_database()), key_id)
    emit({"revoked": key_id})


@app.command()
@click.option("--days", type=float, default=None, help="Retention in days (default: FEVERMAP_RETENTION_DAYS, 21).")
@handle_errors
def purge(days: float | None) -> None:
    """Delete declarations, matches and case tracks older than the retention period."""
    from fevermap.config import get_settings
    from fevermap.db import open_database, session_factory
    from fevermap.tracing.store import purge as purge_old

    retention = days if days is not None else get_settings().retention_days
    emit({"retention_days": retention, "deleted": purge_old(session_factory(open_database()), retention)})


def _register_subcommands() -> None:
    from fevermap.api.cli_care import coverage_cmd, isochrone_cmd
    from fevermap.api.cli_clinics import clinics_app
    from fevermap.api.cli_directory import directory_app
    from fevermap.api.cli_risk import risk_app
    from fevermap.api.cli_surveillance import surveillance_app
    from fevermap.api.cli_trace import trace_app

    app.add_command(clinics_app, "clinics")
    app.add_command(directory_app, "directory")
    app.add_command(trace_app, "trace")
    app.add_command(surveillance_app, "surveillance")
    app.add_command(risk_app, "risk")
    app.add_command(isochrone_cmd, "isochrone")
    app.add_command(coverage_cmd, "coverage")


_register_subcommands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app.main(args=argv, prog_name="fevermap")


if __name__ == "__main__":  # pragma: no cover
    main()
