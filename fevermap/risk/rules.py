"""Rule sets of risk areas, read from JSON data with their citations and checked before use.

A rule set names its *levels* in order of precedence. A ``cases`` level holds the places whose most recent case day
``L`` is ``from <= D - L < to`` days before the evaluation date ``D`` (``window_days = [from, to]``, whole local
days); a place takes the first such level, so it leaves a level when the window passes with no new case. An
``around`` level is the rest of the land within ``radius_m`` of the places of another level (2022's prevention
areas around sealed compounds). ``match`` is the exposure rule of the self-check: a resident's stop matches a case
place-day within ``radius_m`` metres and at least ``min_overlap_min`` minutes of overlap, looking back
``lookback_days`` days.

The bundled sets live in ``fevermap/risk/rules/``: ``default.json`` (2022 practice in Chinese cities) and
``hamagen.json`` (place-time exposure only).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fevermap.errors import RuleSetError

#: Largest radius a rule may use (metres): a bigger one would seal a district by mistake.
MAX_RADIUS_M = 5000.0
#: Longest window a level may span (days).
MAX_WINDOW_DAYS = 60
BUNDLED = ("default", "hamagen")


@dataclass(frozen=True)
class Level:
    """One level of a rule set: ``basis`` is ``"cases"`` (with ``window_days``) or ``"around"`` (of level
    ``around``); ``radius_m`` in metres; ``use_record_radius``: a case record's own radius overrides ``radius_m``."""

    name: str
    basis: str
    radius_m: float
    window_days: tuple[int, int] = (0, 0)
    around: str | None = None
    use_record_radius: bool = False

    def describe(self) -> str:
        """The level's rule in words."""
        if self.basis == "around":
            return f"within {self.radius_m:g} m of a {self.around} place, outside higher levels"
        lo, hi = self.window_days
        return f"a case reported {lo}-{hi - 1} days before the date, within {self.radius_m:g} m of its place"


@dataclass(frozen=True)
class MatchRule:
    """The self-check's exposure rule: distance in metres, overlap in minutes, look-back in days."""

    radius_m: float
    min_overlap_min: float
    lookback_days: int


@dataclass(frozen=True)
class RuleSet:
    """A checked rule set (see the module docstring); ``digest`` identifies its content."""

    name: str
    title: str
    citations: tuple[str, ...]
    levels: tuple[Level, ...]
    match: MatchRule
    digest: str

    def level(self, name: str) -> Level:
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise RuleSetError(f"rule set {self.name!r} has no level {name!r}; it has {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(lv.name for lv in self.levels)

    @property
    def lookback_days(self) -> int:
        """Days of case history any level needs (the largest window end)."""
        return max([lv.window_days[1] for lv in self.levels if lv.basis == "cases"] + [self.match.lookback_days])

    def to_dict(self) -> dict[str, Any]:
        """The rule set as public JSON (for the self-check page)."""
        return {
            "name": self.name,
            "title": self.title,
            "citations": list(self.citations),
            "levels": [
                {"name": lv.name, "basis": lv.basis, "radius_m": lv.radius_m, "rule": lv.describe()}
                | ({"window_days": list(lv.window_days)} if lv.basis == "cases" else {"around": lv.around})
                for lv in self.levels
            ],
            "match": {
                "radius_m": self.match.radius_m,
                "min_overlap_min": self.match.min_overlap_min,
                "lookback_days": self.match.lookback_days,
            },
            "digest": self.digest,
        }


def _number(value: Any, what: str, *, positive: bool = True, cap: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleSetError(f"{what} must be a number, got {value!r}")
    v = float(value)
    if not v == v or (positive and v <= 0) or (not positive and v < 0):
        raise RuleSetError(f"{what} must be {'positive' if positive else '>= 0'}, got {value!r}")
    if cap is not None and v > cap:
        raise RuleSetError(f"{what} is {v:g}; at most {cap:g} is allowed")
    return v


def _level(raw: Any, i: int) -> Level:
    if not isinstance(raw, dict):
        raise RuleSetError(f"levels[{i}] must be an object with name, basis and radius_m")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleSetError(f"levels[{i}] needs a non-empty 'name'")
    where = f"level {name!r}"
    radius = _number(raw.get("radius_m"), f"{where}: radius_m (metres)", cap=MAX_RADIUS_M)
    basis = raw.get("basis")
    if basis == "cases":
        win = raw.get("window_days")
        if not isinstance(win, list) or len(win) != 2 or not all(isinstance(x, int) and not isinstance(x, bool)
                                                                 for x in win):  # fmt: skip
            raise RuleSetError(f"{where}: window_days must be two whole numbers of days [from, to], got {win!r}")
        lo, hi = int(win[0]), int(win[1])
        if lo < 0 or hi < 0:
            raise RuleSetError(f"{where}: window_days {win} is negative; days count back from the date, from 0")
        if hi <= lo:
            raise RuleSetError(f"{where}: window_days {win} is empty; 'to' must be greater than 'from'")
        if hi - lo > MAX_WINDOW_DAYS:
            raise RuleSetError(f"{where}: window_days {win} spans over {MAX_WINDOW_DAYS} days")
        return Level(name, "cases", radius, (lo, hi), use_record_radius=bool(raw.get("use_record_radius", False)))
    if basis == "around":
        around = raw.get("around")
        if not isinstance(around, str):
            raise RuleSetError(f"{where}: an 'around' level names the level it surrounds in 'around'")
        return Level(name, "around", radius, around=around)
    raise RuleSetError(f"{where}: basis must be 'cases' or 'around', got {basis!r}")


def parse_rules(data: Any, source: str = "rule set") -> RuleSet:
    """Check a parsed rule set and return it.

    Raises
    ------
    RuleSetError
        On a missing field, a negative, empty or overlapping window, a duplicate level name, an ``around`` level that
        names no earlier ``cases`` level, or a radius that is not positive or over :data:`MAX_RADIUS_M`.
    """
    if not isinstance(data, dict):
        raise RuleSetError(f"{source}: a rule set is a JSON object with name, levels and match")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise RuleSetError(f"{source}: needs a 'name'")
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise RuleSetError(f"{source}: needs a non-empty 'levels' list")
    levels = [_level(raw, i) for i, raw in enumerate(raw_levels)]
    seen: dict[str, Level] = {}
    for lv in levels:
        if lv.name in seen:
            raise RuleSetError(f"{source}: level name {lv.name!r} is used twice")
        if lv.basis == "around" and (lv.around not in seen or seen[lv.around].basis != "cases"):
            raise RuleSetError(f"{source}: level {lv.name!r} is around {lv.around!r}, which is not an earlier "
                               "'cases' level")  # fmt: skip
        seen[lv.name] = lv
    windows = sorted((lv.window_days, lv.name) for lv in levels if lv.basis == "cases")
    for (a, an), (b, bn) in itertools.pairwise(windows):
        if b[0] < a[1]:
            raise RuleSetError(f"{source}: windows of {an!r} {list(a)} and {bn!r} {list(b)} overlap; a place must "
                               "fall in one level per day (make one end where the next starts)")  # fmt: skip
    m = data.get("match")
    if not isinstance(m, dict):
        raise RuleSetError(f"{source}: needs a 'match' object (radius_m, min_overlap_min, lookback_days)")
    look = m.get("lookback_days")
    if not isinstance(look, int) or isinstance(look, bool) or not 1 <= look <= MAX_WINDOW_DAYS:
        raise RuleSetError(f"{source}: match.lookback_days must be a whole number of days 1-{MAX_WINDOW_DAYS}")
    match = MatchRule(
        _number(m.get("radius_m"), "match.radius_m (metres)", cap=MAX_RADIUS_M),
        _number(m.get("min_overlap_min"), "match.min_overlap_min (minutes)", positive=False, cap=24 * 60),
        int(look),
    )
    cites = data.get("citations") or []
    if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
        raise RuleSetError(f"{source}: citations must be a list of strings")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return RuleSet(name, str(data.get("title") or name), tuple(cites), tuple(levels), match, digest)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load a rule set: a JSON file, a bundled name (``default``, ``hamagen``), or None for ``default``."""
    if path is None or str(path) in BUNDLED:
        name = "default" if path is None else str(path)
        text = resources.files("fevermap.risk").joinpath("rules", f"{name}.json").read_text(encoding="utf-8")
        return parse_rules(json.loads(text), f"{name}.json")
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleSetError(f"{p}: no such rule set file (or give one of {', '.join(BUNDLED)})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuleSetError(f"{p.name}: not valid JSON ({exc})") from exc
    return parse_rules(data, p.name)
