"""Helpers for the OSRM-shape tests: npm packages installed into a cache dir, the Porto region (skip if missing) and
random routes answered by :func:`fevermap.routing.osrm.route_response`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import fevermap.routing as routing_pkg
from fevermap.errors import RegionError
from fevermap.routing import osrm
from fevermap.routing.region import Region, build_region, load_region
from fevermap.routing.router import Router

PORTO = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm" / "porto.osm.pbf"
NPM_CACHE = Path(os.environ.get("FEVERMAP_NPM_CACHE", Path.home() / ".cache" / "fevermap" / "npm"))
OSRM_TEXT = ("osrm-text-instructions", "0.15.0")
REGION_CACHE = Path(os.environ.get("FEVERMAP_TEST_REGION_CACHE", Path.home() / ".cache" / "fevermap" / "test-regions"))


def _missing(reason: str) -> None:
    if os.environ.get("FEVERMAP_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def npm_package(name: str, version: str) -> Path:
    """The directory of npm package ``name@version``, installed from the registry into the cache dir once."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _missing("node and npm are needed to run the OSRM project's JavaScript clients (apt-get install nodejs npm)")
    pkg = NPM_CACHE / "node_modules" / name
    meta = pkg / "package.json"
    if not meta.exists() or json.loads(meta.read_text()).get("version") != version:
        NPM_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NPM_CACHE),
                               f"{name}@{version}"], capture_output=True, text=True, timeout=300)  # fmt: skip
        if done.returncode != 0:
            _missing(f"npm install {name}@{version} failed: {done.stderr[-500:]}")
    return pkg


def porto_region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """Greater Porto (roundabouts, ramps, motorways), built from the shared extract; skipped when it is missing.

    The build is kept between test runs under ``~/.cache/fevermap/test-regions``, keyed by the extract and by the
    source of every module the build runs, so a changed build rebuilds it.
    """
    if not PORTO.exists():
        pytest.skip(f"Porto extract not found at {PORTO}")
    digest = hashlib.sha256(PORTO.read_bytes())
    for module in sorted((Path(routing_pkg.__file__).parent).glob("*.py")):
        digest.update(module.read_bytes())
    out = REGION_CACHE / f"porto-{digest.hexdigest()[:16]}"
    if (out / "meta.json").exists():
        try:
            return load_region(out)
        except RegionError:
            pass
    return build_region(PORTO, out, name="porto")


def random_pairs(router: Router, n: int, seed: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """``n`` random (origin, destination) pairs of graph nodes, 300 m to 8 km apart."""
    rng = np.random.default_rng(seed)
    g = router.graph
    out: list[tuple[tuple[float, float], tuple[float, float]]] = []
    while len(out) < n:
        i, j = rng.integers(0, g.node_count, 2).tolist()
        a = (float(g.node_lon[i]), float(g.node_lat[i]))
        b = (float(g.node_lon[j]), float(g.node_lat[j]))
        d = np.hypot((a[0] - b[0]) * np.cos(np.radians(a[1])), a[1] - b[1]) * 111_000
        if 300 < d < 8000:
            out.append((a, b))
    return out


def route_json(router: Router, a: tuple[float, float], b: tuple[float, float], **params: str) -> dict[str, Any]:
    query = {"steps": "true", "annotations": "true", "overview": "full", "geometries": "geojson"} | params
    return osrm.route_response(router, f"{a[0]},{a[1]};{b[0]},{b[1]}", query, max_coordinates=25, max_snap_m=1000)


_PORTO: list[Region] = []
_SAMPLES: dict[str, tuple[Router, list[dict[str, Any]]]] = {}
N_ROUTES = 200


def cached_porto(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """:func:`porto_region`, built once per test session."""
    if not _PORTO:
        _PORTO.append(porto_region(tmp_path_factory))
    return _PORTO[0]


def sample_routes(region: Region, seed: int = 12) -> tuple[Router, list[dict[str, Any]]]:
    """A router on ``region`` and ``N_ROUTES`` random routes with steps and annotations (once per session)."""
    key = str(region.path)
    if key not in _SAMPLES:
        router = Router(region)
        _SAMPLES[key] = (router, [route_json(router, a, b) for a, b in random_pairs(router, N_ROUTES, seed)])
    return _SAMPLES[key]
