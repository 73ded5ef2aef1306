"""The ``fevermap`` command line. Each command parses, calls one domain function and prints JSON.

Domain packages are imported inside the commands, so that ``fevermap route`` does not pay for the clinics, tracing,
the database or pandas at start-up (``tests/api/test_cli_imports.py``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fevermap import __version__
from fevermap.api.cli_common import RegionOpt, handle_errors
from fevermap.api.cli_risk import AvoidOpt, RiskCasesOpt, RiskDateOpt, RiskRulesOpt, route_avoiding_cli
from fevermap.errors import FevermapError, InputError
from fevermap.geo.lonlat import parse_lonlat

if TYPE_CHECKING:
    from fevermap.routing.router import Router

app = typer.Typer(
    name="fevermap",
    help="Nearest available fever clinic by driving time in live traffic; exposure matching for investigators.\n\n"
    "Road data (c) OpenStreetMap contributors, ODbL 1.0.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


TrafficOpt = Annotated[
    Path | None,
    typer.Option("--traffic", help="OSRM segment-speed CSV: from_osm_node_id,to_osm_node_id,speed_kmh[,rate]."),
]
MaxSnapOpt = Annotated[
    float, typer.Option("--max-snap-m", help="Refuse points farther than this from every road (metres).")
]


def make_router(region: Path | None, traffic: Path | None = None, max_snap_m: float = 1000.0) -> Router:
    """Open a region, build its router and apply a traffic file (report on stderr)."""
    from fevermap.routing.region import open_region
    from fevermap.routing.router import Router

    router = Router(open_region(region), max_snap_m=max_snap_m)
    if traffic is not None:
        report = router.apply_traffic(traffic)
        typer.echo(f"traffic: {json.dumps(report.to_dict())}", err=True)
    return router


def emit(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@app.command()
@handle_errors
def build(
    osm_files: Annotated[
        list[Path], typer.Argument(help="OSM extracts: .osm, .osm.gz, .osm.bz2 or .osm.pbf (one or several).")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Region directory to write; with several extracts, the folder that gets one each."),
    ],
    name: Annotated[str | None, typer.Option(help="Region name (default: from the file name; one extract).")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone (default: looked up).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Build region directories (drivable graph, CCH order, edge index, metadata) from OSM extracts.

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
            typer.echo(f"[{i + 1}/{len(osm_files)}] {osm_file} -> {target}", err=True)
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
@handle_errors
def route(
    from_: Annotated[str | None, typer.Option("--from", help="Origin LON,LAT (degrees, WGS-84).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Destination LON,LAT (degrees, WGS-84).")] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(help="CSV with header from_lon,from_lat,to_lon,to_lat: one JSON line per row."),
    ] = None,
    region: RegionOpt = None,
    traffic: TrafficOpt = None,
    max_snap_m: MaxSnapOpt = 1000.0,
    avoid: AvoidOpt = None,
    risk_date: RiskDateOpt = None,
    risk_cases: RiskCasesOpt = None,
    risk_rules: RiskRulesOpt = None,
    steps: Annotated[bool, typer.Option(help="Add turn-by-turn steps with a text instruction each.")] = False,
    lang: Annotated[str, typer.Option(help="Language of the instructions: zh or en.")] = "en",
) -> None:
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
@handle_errors
def export_graph(
    out: Annotated[Path, typer.Option("--out", help="GraphML file to write.")],
    region: RegionOpt = None,
    traffic: TrafficOpt = None,
    turns: Annotated[bool, typer.Option("--turns", help="The turn-expanded graph the engine routes on.")] = False,
) -> None:
    """Write the road graph as osmnx-compatible GraphML, or with --turns the exact turn graph the engine routes on."""
    from fevermap.routing.export import export_graphml

    path = export_graphml(make_router(region, traffic), out, turns=turns)
    emit({"graphml": str(path)})


@app.command()
@handle_errors
def info(
    region: Annotated[
        Path | None,
        typer.Option("--region", help="A region directory, or a regions folder to list (default: the demo region)."),
    ] = None,
) -> None:
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
    typer.echo(
        f"fevermap {__version__}: demo region {router.region.name} ({router.region.meta['nodes']} nodes)",
        err=True,
    )
    result = router.route((121.4737, 31.2304), (121.4997, 31.2397))
    emit(result.to_dict() | {"note": "Road data (c) OpenStreetMap contributors, ODbL 1.0"})


@app.command()
def serve(
    region: Annotated[
        list[Path] | None,
        typer.Option("--region", help="Region directory to serve; repeat for several (default: the demo region)."),
    ] = None,
    regions: Annotated[
        Path | None, typer.Option("--regions", help="Serve every region directory inside this folder.")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each loading the regions once (one per core).")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level (warning hides per-request lines).")] = "info",
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs) on one or more regions (default: the bundled demo region).

    A request goes to the region its coordinates lie in; ``/regions/{name}/route/v1/...`` names it. Every region
    must load: a broken one stops the start with a message naming it.
    """
    import os

    import uvicorn

    from fevermap.clinics.demo import ensure_demo_clinics
    from fevermap.clinics.registry import ClinicRegistry
    from fevermap.regions.catalog import load_regions, regions_from

    given = [p.resolve() for p in region or []]
    paths = regions_from(given, regions.resolve() if regions else None)
    loaded = load_regions(paths)  # builds the demo region once before the workers start; refuses broken regions
    if given:  # the workers read the same regions from the environment
        os.environ["FEVERMAP_REGION"] = str(given[0])
        os.environ["FEVERMAP_REGION_LIST"] = json.dumps([str(p) for p in given[1:]])
    if regions is not None:
        os.environ["FEVERMAP_REGIONS"] = str(regions.resolve())
    with ClinicRegistry.open() as registry:  # migrate the database once, before the workers start
        for path, reg in zip(paths, loaded, strict=True):
            if path is None:
                ensure_demo_clinics(registry, reg)
    names = ", ".join(r.name for r in loaded)
    typer.echo(f"fevermap {__version__} on http://{host}:{port}/ (docs: /docs), regions: {names}; "
               "© OpenStreetMap contributors", err=True)  # fmt: skip
    # uvicorn (>= 0.30) kills a worker that does not answer its health ping within timeout_worker_healthcheck
    # (default 5 s); a worker loading its regions (CCH construction holds the GIL) can take longer on a busy
    # machine or with many regions, and would then be killed and restarted for ever.
    uvicorn.run("fevermap.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, timeout_worker_healthcheck=120)  # fmt: skip


keys_app = typer.Typer(
    help="API keys of the HTTP service (stored hashed; a token is shown once).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@handle_errors
def keys_create(
    role: Annotated[str, typer.Option(help="clinic, traffic, investigator, staff, partner or admin.")],
    clinic: Annotated[str | None, typer.Option(help="Clinic id a clinic key may update.")] = None,
    area: Annotated[str | None, typer.Option(help="Staff: community area; partner: jurisdiction.")] = None,
    label: Annotated[str, typer.Option(help="Free text: who holds the key.")] = "",
) -> None:
    """Create an API key and print its token (only its hash is stored)."""
    from fevermap.access.keys import create_key
    from fevermap.db import open_database, session_factory

    token = create_key(session_factory(open_database()), role, clinic_id=clinic, area=area, label=label)
    emit({"token": token, "role": role, "clinic": clinic, "area": area})


@keys_app.command("revoke")
@handle_errors
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The <id> part of fm_<id>_<secret>.")]) -> None:
    """Revoke an API key at once."""
    from fevermap.access.keys import revoke_key
    from fevermap.db import open_database, session_factory

    revoke_key(session_factory(open_database()), key_id)
    emit({"revoked": key_id})


@app.command()
@handle_errors
def purge(
    days: Annotated[
        float | None, typer.Option(help="Retention in days (default: FEVERMAP_RETENTION_DAYS, 21).")
    ] = None,
) -> None:
    """Delete declarations, matches and case tracks older than the retention period."""
    from fevermap.config import get_settings
    from fevermap.db import open_database, session_factory
    from fevermap.tracing.store import purge as purge_old

    retention = days if days is not None else get_settings().retention_days
    emit({"retention_days": retention, "deleted": purge_old(session_factory(open_database()), retention)})


def _register_subcommands() -> None:
    from fevermap.api.cli_clinics import clinics_app
    from fevermap.api.cli_directory import directory_app
    from fevermap.api.cli_risk import risk_app
    from fevermap.api.cli_surveillance import surveillance_app
    from fevermap.api.cli_trace import trace_app

    app.add_typer(clinics_app, name="clinics")
    app.add_typer(directory_app, name="directory")
    app.add_typer(trace_app, name="trace")
    app.add_typer(surveillance_app, name="surveillance")
    app.add_typer(risk_app, name="risk")
    from fevermap.api.cli_care import register as register_care

    register_care(app)


_register_subcommands()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """fevermap command line."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="fevermap")


if __name__ == "__main__":  # pragma: no cover
    main()
