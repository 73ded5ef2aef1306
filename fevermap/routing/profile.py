"""The car profile: turn, U-turn and obstacle costs, after OSRM's car profile, each number with its source.

Sources (Project-OSRM/osrm-backend @ 4fc76ca, BSD-2-Clause):
- ``profiles/car.lua`` ``setup()``: ``turn_penalty = 7.5``, ``turn_bias = 1.075``, ``u_turn_penalty = 20``,
  ``left_hand_driving = false``, ``barrier_penalties = {gate = 60, lift_gate = 60}``; ``process_turn()``: the
  sigmoid turn penalty below, applied when ``number_of_roads > 2`` or the mode changes or it is a U-turn.
- ``profiles/lib/obstacles.lua``: ``traffic_signal_penalty or 2`` s per signal (``traffic_signals:direction``, else
  ``direction``, limits it to one direction of the way), ``stop`` 2 s, ``give_way`` 1 s.
- ``profiles/lib/way_handlers.lua`` / ``car.lua`` speeds: ferries at 5 km/h.
- ``src/extractor/intersection/intersection_analysis.cpp`` ``isTurnAllowed``: U-turns only at dead ends, at barriers
  or turning places, where the road is the only exit, or where at most one two-way road meets the node.

Costs are seconds here; the engine works in integer milliseconds (:mod:`fevermap.routing.weights`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

#: car.lua ``turn_penalty``: the largest angle penalty of a turn, in seconds.
TURN_PENALTY_S = 7.5
#: car.lua ``turn_bias``: turns across traffic cost more (left in right-hand traffic).
TURN_BIAS = 1.075
#: car.lua ``properties.u_turn_penalty``, seconds on top of the angle penalty.
U_TURN_PENALTY_S = 20.0
#: car.lua ferry speed (``speed_profile``/``route_speeds`` ``ferry = 5``), km/h.
FERRY_KPH = 5.0

#: Node tags that cost time (or allow U-turns), as ``(key, value) -> kind``.
OBSTACLE_TAGS: dict[tuple[str, str], str] = {
    ("highway", "traffic_signals"): "traffic_signals",
    ("highway", "stop"): "stop",
    ("highway", "give_way"): "give_way",
    ("barrier", "gate"): "gate",
    ("barrier", "lift_gate"): "gate",
    ("highway", "turning_circle"): "turning",
    ("highway", "turning_loop"): "turning",
}
#: Seconds per obstacle kind: obstacles.lua (signals 2, stop 2, give_way 1), car.lua ``barrier_penalties`` (gates 60);
#: turning places cost nothing but allow U-turns.
OBSTACLE_S: dict[str, float] = {"traffic_signals": 2.0, "stop": 2.0, "give_way": 1.0, "gate": 60.0, "turning": 0.0}

#: IANA zones of left-hand-traffic countries (fevermap's regions record a time zone, not a country).
_LEFT_HAND_ZONES = (
    "Europe/London", "Europe/Dublin", "Europe/Isle_of_Man", "Europe/Jersey", "Europe/Guernsey", "Europe/Malta",
    "Asia/Nicosia", "Europe/Nicosia", "Asia/Tokyo", "Asia/Hong_Kong", "Asia/Macau", "Asia/Kolkata", "Asia/Calcutta",
    "Asia/Dhaka", "Asia/Karachi", "Asia/Colombo", "Asia/Kathmandu", "Asia/Thimphu", "Asia/Bangkok", "Asia/Jakarta",
    "Asia/Makassar", "Asia/Jayapura", "Asia/Kuala_Lumpur", "Asia/Kuching", "Asia/Singapore", "Asia/Brunei",
    "Asia/Dili", "Indian/Maldives", "Indian/Mauritius", "Africa/Johannesburg", "Africa/Nairobi", "Africa/Harare",
    "Africa/Lusaka", "Africa/Maputo", "Africa/Gaborone", "Africa/Windhoek", "Africa/Maseru", "Africa/Mbabane",
    "Africa/Dar_es_Salaam", "Africa/Kampala", "Africa/Blantyre", "America/Jamaica", "America/Barbados",
    "America/Guyana", "America/Paramaribo", "America/Port_of_Spain", "America/Nassau", "Pacific/Auckland",
    "Pacific/Fiji", "Pacific/Port_Moresby",
)  # fmt: skip


def left_hand_traffic(timezone: str) -> bool:
    """Whether traffic keeps left in the region of this IANA time zone (Australia/* and the zones listed above)."""
    return timezone.startswith("Australia/") or timezone in _LEFT_HAND_ZONES


@dataclass(frozen=True)
class Profile:
    """The car profile a region was built with (recorded in its ``meta.json``; ``fevermap info`` prints it)."""

    left_hand_driving: bool = False
    name: str = "car"
    turn_penalty_s: float = TURN_PENALTY_S
    turn_bias: float = TURN_BIAS
    u_turn_penalty_s: float = U_TURN_PENALTY_S
    obstacle_s: tuple[tuple[str, float], ...] = tuple(OBSTACLE_S.items())
    source: str = "OSRM car.lua @ Project-OSRM/osrm-backend 4fc76ca"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["obstacle_s"] = dict(self.obstacle_s)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Profile:
        data = dict(d)
        obstacles = data.pop("obstacle_s", OBSTACLE_S)
        assert isinstance(obstacles, dict)
        return cls(obstacle_s=tuple(obstacles.items()), **data)  # type: ignore[arg-type]

    def obstacle_cost_s(self, kind: str) -> float:
        return dict(self.obstacle_s)[kind]

    def turn_cost_s(
        self, angle_deg: npt.NDArray[np.float64], u_turn: npt.NDArray[np.bool_], penalised: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.float64]:
        """Seconds per turn (vectorised), car.lua ``process_turn``.

        Parameters
        ----------
        angle_deg : array
            Turn angles in degrees, OSRM's convention: 0 straight on, +x to the right, -x to the left, 180 U-turn.
        u_turn : array of bool
            Which turns are U-turns (``u_turn_penalty`` on top).
        penalised : array of bool
            Which turns pay the angle penalty: more than two roads at the node, a change of mode (ferry), or U-turns.
        """
        bias = 1.0 / self.turn_bias if self.left_hand_driving else self.turn_bias
        a = np.asarray(angle_deg, dtype=np.float64)
        with np.errstate(over="ignore"):
            right = self.turn_penalty_s / (1 + np.exp(-((13 / bias) * a / 180 - 6.5 * bias)))
            left = self.turn_penalty_s / (1 + np.exp(-((13 * bias) * -a / 180 - 6.5 / bias)))
        cost = np.where(a >= 0, right, left) + np.where(u_turn, self.u_turn_penalty_s, 0.0)
        return np.where(penalised | u_turn, cost, 0.0)
