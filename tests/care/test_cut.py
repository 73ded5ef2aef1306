"""The cut of unreached road: intervals along a segment beyond the time, and segment twins on a real extract."""

from __future__ import annotations

import numpy as np

from fevermap.care.cut import _unreached, segments_of
from fevermap.routing.region import Region


def test_unreached_intervals() -> None:
    t = np.array([[0.0, 100.0], [100.0, 0.0], [0.0, 40.0], [70.0, 90.0], [0.0, np.inf], [np.inf, np.inf]])
    lo, hi = _unreached(t, 50.0)
    assert np.allclose(lo[:2], [0.5, 0.0]) and np.allclose(hi[:2], [1.0, 0.5])
    assert lo[2] > hi[2]  # all reached: empty
    assert (lo[3], hi[3]) == (0.0, 1.0) and (lo[5], hi[5]) == (0.0, 1.0)
    assert hi[4] == 1.0


def test_segment_twins_run_the_same_road_back(shanghai: Region) -> None:
    segs = segments_of(shanghai.graph)
    has = np.flatnonzero(segs.twin >= 0)
    assert has.shape[0] > 0
    tw = segs.twin[has]
    assert (segs.twin[tw] == has).all()
    assert np.allclose(segs.x0[has], segs.x1[tw]) and np.allclose(segs.y0[has], segs.y1[tw])
    assert (segs.first[has] != segs.first[tw]).all()
