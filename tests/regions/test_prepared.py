"""Regions prepared before a fork: handed over once, for the same paths only, answering the same in a forked child."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fevermap.regions import prepared
from fevermap.routing import directions
from fevermap.routing.region import Region


def test_prepared_regions_are_handed_over_once_for_the_same_paths(andorra: Region, monaco: Region) -> None:
    paths: list[Path | None] = [andorra.path, monaco.path]
    ready = prepared.prepare(paths, 1000.0)
    assert [r.name for r in ready.loaded] == ["andorra", "monaco"]
    assert ready.regions.names == ["andorra", "monaco"]
    # the directions context is built before the fork too (else each worker's first route builds its own)
    assert all(directions._CACHE[id(s.router.graph)][0] is s.router.graph for s in ready.regions)
    assert prepared.take([monaco.path, andorra.path], 1000.0) is None  # another order: another default region
    assert prepared.take(paths, 500.0) is None  # another snap limit
    assert prepared.take(paths, 1000.0) is ready
    assert prepared.take(paths, 1000.0) is None  # once: a second application builds its own


def test_a_forked_worker_answers_as_the_preparing_process(andorra: Region) -> None:
    ready = prepared.prepare([andorra.path], 1000.0)
    assert prepared.take([andorra.path], 1000.0) is ready
    router = ready.regions.get("andorra").router
    g = router.graph
    pairs = [((float(g.node_lon[i]), float(g.node_lat[i])), (float(g.node_lon[j]), float(g.node_lat[j])))
             for i, j in [(0, g.node_count - 1), (40, 900), (1200, 7)]]  # fmt: skip
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child only queries: no region load, no contraction
        try:
            answer = [router.route(a, b).duration_s for a, b in pairs]
            os.write(write, json.dumps(answer).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        child = json.loads(fh.read())
    os.waitpid(pid, 0)
    assert child == [router.route(a, b).duration_s for a, b in pairs]
