"""The partitioned Dask run returns exactly the single-machine result (LocalCluster, in-process)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from distributed import Client, LocalCluster

from fevermap.tracing.dask_runner import match_on_dask, spatial_partitions
from fevermap.tracing.engine import match_visits
from fevermap.tracing.models import MatchRule, Visits
from fevermap.tracing.stream import match_stream
from tests.tracing.near_miss import near_miss_data


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_dask_partitions_are_longitude_tiles() -> None:
    stops, _ = near_miss_data(30, n_stops=500, n_visits=20)
    parts = spatial_partitions(stops, 4)
    assert parts.npartitions == 4
    ranges = [(p["lon"].min(), p["lon"].max()) for p in (parts.get_partition(i).compute() for i in range(4))]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))


def test_dask_equals_single_machine(client: Client) -> None:
    rule = MatchRule()
    s1, v1 = near_miss_data(31, n_stops=2000, n_visits=200, radii=(np.nan, 25.0, 120.0))
    s2, v2 = near_miss_data(32, lon0=121.999, n_stops=500, n_visits=50)  # across a strip boundary
    stops, visits = Visits.concat([s1, s2]), Visits.concat([v1, v2])
    single = match_visits(stops, visits, rule)
    dist = match_on_dask(stops, visits, rule, n_partitions=6)
    assert len(single) > 200
    for f in ("stop", "visit", "overlap_start", "overlap_end", "distance_m", "radius_m"):
        np.testing.assert_array_equal(getattr(dist, f), getattr(single, f))


def test_streamed_chunks_equal_one_batch() -> None:
    rule = MatchRule()
    stops, visits = near_miss_data(33, n_stops=1500, n_visits=100)
    chunks = [stops.take(slice(i, i + 400)) for i in range(0, len(stops), 400)]
    pairs = set()
    for k, (chunk, m) in enumerate(match_stream(chunks, visits, rule)):
        assert len(chunk) <= 400
        pairs |= {(s + 400 * k, v) for s, v in m.pairs()}
    assert pairs == match_visits(stops, visits, rule).pairs()
