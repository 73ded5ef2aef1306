"""Explained match records and the per-declarant summary ranked for investigators.

One record per (declarant stop, case visit) match: ids, places, the overlap window (UTC and local), overlap minutes,
geodesic distance, radius and the rule that fired, in words. Transport matches get one record per (declared leg,
case leg). The summary ranks declarants by their strongest evidence, then total overlap, then number of cases, then
closest distance (see :data:`LEVELS`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fevermap.tracing.jsonl import plain_value
from fevermap.tracing.legs import LegMatch
from fevermap.tracing.models import Declaration, Matches, MatchRule, Visits

#: Evidence levels, strongest first: nearby seat on the same vehicle, same carriage, place and time overlap,
#: same train or flight only.
LEVELS = {"seat-near": 4, "same-carriage": 3, "place-overlap": 2, "same-vehicle": 1}
#: A temperature at or above this (degrees Celsius) is flagged as fever in the summary.
FEVER_C = 37.3
#: The columns of the match records that :func:`summarise` ranks by (transport records need the first four).
SUMMARY_INPUT = ["declarant_id", "case_id", "level", "rule", "overlap_min", "distance_m"]


def iso_utc(seconds: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ISO 8601 UTC strings (``2022-04-12T01:30:00Z``) of epoch seconds, vectorised."""
    s = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(s, unit="s"), "Z")


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def iso_local(seconds: npt.ArrayLike, tz: str) -> npt.NDArray[np.str_]:
    """ISO 8601 local strings with offset (``2022-04-12T09:30:00+08:00``) of epoch seconds in ``tz``, vectorised."""
    sec = np.asarray(seconds, dtype=np.int64)
    if len(sec) == 0:
        return np.zeros(0, dtype=str)
    utc = pd.DatetimeIndex(sec.astype("datetime64[s]")).tz_localize("UTC")
    local = utc.tz_convert(tz).tz_localize(None).as_unit("s")
    off_min = (local.asi8 - sec) // 60
    uniq, inv = np.unique(off_min, return_inverse=True)
    suffix = np.array([_offset_text(int(u)) for u in uniq])[inv]
    return np.char.add(np.datetime_as_string(local.to_numpy(), unit="s"), suffix)


def _arrow(values: npt.ArrayLike) -> pa.Array:
    return pa.array(np.asarray(values), from_pandas=True)


def _num_text(values: npt.ArrayLike, digits: int) -> pa.Array:
    return pc.cast(pa.array(np.round(np.asarray(values, dtype=np.float64), digits)), pa.string())


def match_frame(matches: Matches, stops: Visits, visits: Visits, rule: MatchRule, *, tz: str) -> pd.DataFrame:
    """One explained row per proximity match (columns documented in ``docs/tracing.md``).

    String columns are Arrow-backed, so that a million rows are built and written in about a second.
    """
    s, v = matches.stop, matches.visit
    ov_min = (matches.overlap_end - matches.overlap_start) / 60.0
    dist = np.round(matches.distance_m, 3)
    why = pc.binary_join_element_wise(
        "distance ", _num_text(dist, 3), " m <= ", _num_text(matches.radius_m, 1), " m and overlap ",
        _num_text(ov_min, 1), f" min >= {rule.min_overlap_s / 60:g} min", "",
    )  # fmt: skip
    n = len(matches)
    cols: dict[str, Any] = {
        "type": _arrow(np.full(n, "proximity")),
        "declarant_id": _arrow(stops.owner[s]),
        "stop_record": _arrow(stops.record[s]),
        "stop_place": pa.array(stops.place[s], type=pa.string()),
        "case_id": _arrow(visits.owner[v]),
        "case_record": _arrow(visits.record[v]),
        "case_place": pa.array(visits.place[v], type=pa.string()),
        "case_lon": np.round(visits.lon[v], 7),
        "case_lat": np.round(visits.lat[v], 7),
        "overlap_start": _arrow(iso_utc(matches.overlap_start)),
        "overlap_end": _arrow(iso_utc(matches.overlap_end)),
        "overlap_start_local": _arrow(iso_local(matches.overlap_start, tz)),
        "overlap_end_local": _arrow(iso_local(matches.overlap_end, tz)),
        "overlap_min": np.round(ov_min, 2),
        "distance_m": dist,
        "radius_m": matches.radius_m,
        "level": _arrow(np.full(n, "place-overlap")),
        "rule": why,
    }
    return pd.DataFrame(
        {k: pd.arrays.ArrowExtensionArray(c) if isinstance(c, pa.Array) else c for k, c in cols.items()}
    )


def leg_frame(leg_matches: list[LegMatch]) -> pd.DataFrame:
    """One explained row per transport match."""

    def seat(leg: object) -> str | None:
        car, row, letter = (
            getattr(leg, "carriage", None),
            getattr(leg, "seat_row", None),
            getattr(leg, "seat_letter", None),
        )
        parts = ([f"carriage {car}"] if car is not None else []) + (
            [f"seat {row}{letter or ''}"] if row is not None else []
        )
        return ", ".join(parts) or None

    rows = [
        {
            "type": "transport",
            "declarant_id": m.declarant,
            "case_id": m.case,
            "kind": m.kind,
            "number": m.number,
            "date": m.date,
            "level": m.level,
            "declarant_seat": seat(m.declarant_leg),
            "case_seat": seat(m.case_leg),
            "case_record": m.case_leg.record,
            "rule": f"same {m.kind} {m.number} on {m.date} (local date)"
            + {"seat-near": ", nearby seat", "same-carriage": ", same carriage", "same-vehicle": ""}[m.level],
        }
        for m in leg_matches
    ]
    cols = ["type", "declarant_id", "case_id", "kind", "number", "date", "level", "declarant_seat", "case_seat",
            "case_record", "rule"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a match or summary frame as JSON-ready dicts (numpy scalars as Python, NaN as None)."""
    return [{k: plain_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def summarise(
    proximity: pd.DataFrame, transport: pd.DataFrame | None = None, declarations: list[Declaration] | None = None
) -> pd.DataFrame:
    """Per-declarant summary ranked for investigators (rank 1 first).

    Columns: ``rank``, ``declarant_id``, ``strongest`` (level), ``proximity_matches``, ``transport_matches``,
    ``cases`` (distinct case ids, sorted), ``total_overlap_min``, ``min_distance_m``, ``fever`` (a declared
    temperature >= :data:`FEVER_C`), ``contact_answers`` (the declaration's contact-history answers, if any),
    ``reason`` (the strongest match's rule, in words).
    """
    parts = [proximity[["declarant_id", "case_id", "level", "rule"]].assign(
        overlap_min=proximity["overlap_min"], distance_m=proximity["distance_m"])]  # fmt: skip
    if transport is not None and len(transport):
        parts.append(transport[["declarant_id", "case_id", "level", "rule"]].assign(overlap_min=0.0, distance_m=np.nan))
    allm = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(allm) == 0:
        return pd.DataFrame(columns=["rank", "declarant_id", "strongest", "proximity_matches", "transport_matches",
                                     "cases", "total_overlap_min", "min_distance_m", "fever", "contact_answers",
                                     "reason"])  # fmt: skip
    allm["score"] = allm["level"].map(LEVELS).astype(int)
    allm["is_prox"] = (allm["level"] == "place-overlap").astype(int)
    allm["declarant_id"] = allm["declarant_id"].astype(str)
    allm["case_id"] = allm["case_id"].astype(str)
    allm = allm.sort_values(["declarant_id", "score", "overlap_min"], ascending=[True, False, False], kind="stable")
    g = allm.groupby("declarant_id", sort=True)
    out = pd.DataFrame(
        {
            "strongest_score": g["score"].max(),
            "proximity_matches": g["is_prox"].sum(),
            "n_matches": g["score"].size(),
            "total_overlap_min": g["overlap_min"].sum().round(1),
            "min_distance_m": g["distance_m"].min().round(1),
            "reason": g["rule"].first(),
        }
    )
    out["transport_matches"] = out["n_matches"] - out["proximity_matches"]
    pairs = allm[["declarant_id", "case_id"]].drop_duplicates().sort_values(["declarant_id", "case_id"])
    owners = pairs["declarant_id"].to_numpy()
    cuts = np.flatnonzero(owners[1:] != owners[:-1]) + 1
    case_lists = [c.tolist() for c in np.split(pairs["case_id"].to_numpy(), cuts)]
    out["cases"] = pd.Series(case_lists, index=pd.Index(owners[np.r_[0, cuts]] if len(owners) else []), dtype=object)
    out["n_cases"] = out["cases"].map(len)
    inverse = {v: k for k, v in LEVELS.items()}
    out["strongest"] = out["strongest_score"].map(inverse)
    fever = {d.id: any(t.celsius >= FEVER_C for t in d.temperatures) for d in declarations or []}
    answers = {d.id: d.contact_answers for d in declarations or [] if d.contact_answers}
    out["fever"] = [fever.get(str(i), False) for i in out.index]
    out["contact_answers"] = [answers.get(str(i)) for i in out.index]
    out = out.sort_values(
        ["strongest_score", "total_overlap_min", "n_cases", "min_distance_m"],
        ascending=[False, False, False, True],
        kind="stable",
        na_position="last",
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out = out.reset_index()
    return out[["rank", "declarant_id", "strongest", "proximity_matches", "transport_matches", "cases",
                "total_overlap_min", "min_distance_m", "fever", "contact_answers", "reason"]]  # fmt: skip
