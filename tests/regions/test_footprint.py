"""Region footprints: the fast distinct-cell step equals NumPy's, and the footprint covers every road vertex."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fevermap.regions.footprint import _unique_rows, road_footprint
from fevermap.routing.region import Region


@given(arrays(np.int64, st.tuples(st.integers(1, 60), st.just(2)), elements=st.integers(-(2**20), 2**20)))
def test_distinct_cells_equal_numpys(ij: np.ndarray) -> None:
    np.testing.assert_array_equal(_unique_rows(ij), np.unique(ij, axis=0))


def test_the_footprint_covers_every_road_vertex(andorra: Region) -> None:
    fp = road_footprint(andorra.graph.coords)
    assert shapely.covers(fp, shapely.points(andorra.graph.coords)).all()
