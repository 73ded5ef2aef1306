"""Area records: lone discs back in degrees by their centre's linear map, and one id per area of a day."""

from __future__ import annotations

from datetime import date

import numpy as np
import shapely

from fevermap.geo.geodesy import geodesic_distance_m
from fevermap.geo.projection import strip_projection
from fevermap.risk.discs import ring
from fevermap.risk.engine import RiskEngine
from fevermap.risk.records import lone_in_degrees

ON = date(2022, 3, 28)


def test_lone_discs_in_degrees_match_the_exact_inverse() -> None:
    proj = strip_projection(int((121.5 + 180) // 2), 2.0)
    rng = np.random.default_rng(3)
    centre = np.stack(proj.forward(rng.uniform(120.6, 122.4, 200), rng.uniform(30.6, 31.9, 200)), axis=1)
    for r, h in ((50.0, 0.44), (100.0, 0.44)):  # up to LINEAR_MAX_RADIUS_M
        proto = ring(r, h)
        got = shapely.get_coordinates(lone_in_degrees((centre, proto), proj))
        xy = (centre[:, None, :] + proto[None, :, :]).reshape(-1, 2)
        lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
        want = np.stack([lon, lat], axis=1).reshape(200, -1, 2)
        want = np.concatenate([want, want[:, :1]], axis=1).reshape(-1, 2)  # closed rings
        assert geodesic_distance_m(got[:, 0], got[:, 1], want[:, 0], want[:, 1]).max() < 1e-3


def test_every_area_of_a_day_has_its_own_id(sh_engine: RiskEngine) -> None:
    # On 2022-04-16 a prevention part is cut by sealed areas into two pieces with the same places: they had one id.
    for on in (date(2022, 4, 16), ON):
        ids = [a.id for a in sh_engine.areas(on).areas]
        assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:3]
    again = [a.id for a in sh_engine.areas(date(2022, 4, 16)).areas]
    assert again == [a.id for a in sh_engine.areas(date(2022, 4, 16)).areas]  # the numbering is stable
