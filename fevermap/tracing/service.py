"""The domain entry points behind ``fevermap trace``: read files, match, explain, rank; generate synthetic data.

Each function takes paths and options and returns plain results; the CLI only parses arguments, calls one of them
and serialises what it returns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fevermap.errors import FormatError, RecordError
from fevermap.geo.datum import Datum
from fevermap.tracing.assemble import ReadResult
from fevermap.tracing.engine import ProximityIndex
from fevermap.tracing.legs import match_legs
from fevermap.tracing.models import DEFAULT_TZ, Matches, MatchRule, TransportLeg, Visits
from fevermap.tracing.readers import iter_csv, read_tracks
from fevermap.tracing.results import SUMMARY_INPUT, iso_local, leg_frame, match_frame, summarise
from fevermap.tracing.shanghai2022 import read_shanghai2022
from fevermap.tracing.synth import synth_case_visits, synth_itineraries


@dataclass
class TraceReport:
    """Result of :func:`trace_match`: explained matches, transport matches, ranked summary, bad records, counts."""

    matches: pd.DataFrame
    transport: pd.DataFrame
    summary: pd.DataFrame
    errors: list[RecordError] = field(default_factory=list)
    stats: dict[str, float | int] = field(default_factory=dict)


class TraceRun:
    """A matching run that streams: :meth:`match_chunks` yields explained matches chunk by chunk.

    After the chunks are exhausted, ``transport``, ``summary``, ``errors`` and ``stats`` are complete. Memory stays
    bounded by the case index plus one chunk of stops (and, if a summary is wanted, six columns per match).
    """

    def __init__(
        self,
        visits: Visits,
        case_legs: list[TransportLeg],
        errors: list[RecordError],
        chunks: Iterator[ReadResult],
        rule: MatchRule,
        tz: str,
        with_summary: bool,
    ) -> None:
        self.t0 = time.perf_counter()
        self.visits, self.case_legs, self.errors = visits, case_legs, errors
        self.rule, self.tz, self.with_summary = rule, tz, with_summary
        self._chunks = chunks
        self.index = ProximityIndex(visits, rule)
        self.transport = leg_frame([])
        self.summary = pd.DataFrame()
        self.stats: dict[str, float | int] = {}

    def match_chunks(self) -> Iterator[pd.DataFrame]:
        """Yield one explained match frame per chunk of declared stops (see :func:`results.match_frame`)."""
        keep: list[pd.DataFrame] = []
        decl_legs: list[TransportLeg] = []
        declarations = []
        n_stops = n_matches = 0
        t_match = 0.0
        for chunk in self._chunks:
            self.errors.extend(chunk.errors)
            decl_legs.extend(chunk.legs)
            declarations.extend(chunk.declarations)
            n_stops += len(chunk.visits)
            t1 = time.perf_counter()
            m = self.index.match(chunk.visits)
            t_match += time.perf_counter() - t1
            frame = match_frame(m, chunk.visits, self.visits, self.rule, tz=self.tz)
            n_matches += len(frame)
            if self.with_summary:
                keep.append(frame[SUMMARY_INPUT])
            yield frame
        self.transport = leg_frame(match_legs(decl_legs, self.case_legs))
        if self.with_summary:
            empty = match_frame(Matches.empty(), Visits.empty(), self.visits, self.rule, tz=self.tz)[SUMMARY_INPUT]
            prox = pd.concat(keep, ignore_index=True) if keep else empty
            self.summary = summarise(prox, self.transport, declarations)
        self.stats = {
            "case_visits": len(self.visits),
            "case_legs": len(self.case_legs),
            "stops": n_stops,
            "declared_legs": len(decl_legs),
            "proximity_matches": n_matches,
            "transport_matches": len(self.transport),
            "bad_records": len(self.errors),
            "match_s": round(t_match, 3),
            "total_s": round(time.perf_counter() - self.t0, 3),
        }

    def collect(self) -> TraceReport:
        """Run to the end and return everything in memory."""
        frames = list(self.match_chunks())
        empty = match_frame(Matches.empty(), Visits.empty(), self.visits, self.rule, tz=self.tz)
        matches = pd.concat(frames, ignore_index=True) if frames else empty
        return TraceReport(matches, self.transport, self.summary, self.errors, self.stats)


def read_cases(path: str | Path, *, tz: str, fmt: str = "auto", datum: Datum = "wgs84") -> ReadResult:
    """Case tracks from a file in any reader format, or a folder with the Shanghai 2022 ``address.csv``/``geo.csv``.

    ``tz`` is the time zone of the records' local times and days (no default: it depends on the data).
    """
    p = Path(path)
    if p.is_dir():
        if (p / "address.csv").exists() and (p / "geo.csv").exists():
            return read_shanghai2022(p, tz=tz)
        raise FormatError(f"{p}: a cases folder must hold the Shanghai 2022 address.csv and geo.csv")
    return read_tracks(p, fmt=fmt, tz=tz, datum=datum)


def _itinerary_chunks(
    path: Path, *, fmt: str, tz: str, assume_tz: str | None, datum: Datum, chunk_rows: int
) -> Iterator[ReadResult]:
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv"):
        yield from iter_csv(path, chunk_rows=chunk_rows, tz=tz, assume_tz=assume_tz, datum=datum)
    else:
        yield read_tracks(path, fmt=fmt, tz=tz, assume_tz=assume_tz, datum=datum)


def trace_match(
    cases: Sequence[str | Path],
    itineraries: str | Path,
    *,
    rule: MatchRule | None = None,
    cases_format: str = "auto",
    itineraries_format: str = "auto",
    cases_datum: Datum = "wgs84",
    itineraries_datum: Datum = "wgs84",
    tz: str,
    assume_tz: str | None = None,
    chunk_rows: int = 250_000,
    with_summary: bool = True,
) -> TraceRun:
    """Match declared itineraries against case tracks: proximity and transport matches, explained and ranked.

    Reads the cases and builds their index now; the itineraries are read and matched as the returned run's
    :meth:`TraceRun.match_chunks` is iterated (or all at once with :meth:`TraceRun.collect`).

    Parameters
    ----------
    cases : sequence of paths
        Case files (CSV, GeoJSON, Hamagen, fevermap JSON, wuhan2020 legs) or Shanghai 2022 folders.
    itineraries : path
        Declarations (CSV is streamed in chunks of ``chunk_rows`` rows; other formats read whole).
    rule : MatchRule, optional
        Radius (metres) and minimum overlap (seconds); defaults 50 m, 15 min.
    tz : str
        Time zone of the data's region (day-level records, local times in the output); no default, since a zone
        right for one data set is wrong for another (the CLI takes the region's).
    assume_tz : str, optional
        Time zone assumed for declared times without an offset (otherwise they are bad records).
    with_summary : bool
        Whether to build the ranked per-declarant summary (otherwise ``summary`` is empty).

    Raises
    ------
    FormatError
        If a file is missing or in no supported format (bad records are collected in ``errors`` instead).
    """
    rule = rule or MatchRule()
    read = [read_cases(c, fmt=cases_format, tz=tz, datum=cases_datum) for c in cases]
    visits = Visits.concat([r.visits for r in read])
    case_legs: list[TransportLeg] = [leg for r in read for leg in r.legs]
    errors: list[RecordError] = [e for r in read for e in r.errors]
    path = Path(itineraries)
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    chunks = _itinerary_chunks(
        path, fmt=itineraries_format, tz=tz, assume_tz=assume_tz, datum=itineraries_datum, chunk_rows=chunk_rows
    )
    return TraceRun(visits, case_legs, errors, chunks, rule, tz, with_summary)


def _csv_frame(v: Visits, tz: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": v.owner, "lon": v.lon, "lat": v.lat,
         "start": iso_local(v.start, tz), "end": iso_local(v.end, tz)}
    )  # fmt: skip


def trace_synth(
    out_dir: str | Path,
    *,
    n_cases: int = 1000,
    n_stops: int = 10_000,
    seed: int = 0,
    planted: float = 0.01,
    days: int = 14,
    rule: MatchRule | None = None,
    tz: str = DEFAULT_TZ,
) -> dict[str, str]:
    """Write synthetic ``cases.csv``, ``itineraries.csv`` and ``planted.csv`` along the demo region's roads.

    Returns the paths written. See :mod:`fevermap.tracing.synth` for the model; everything is labelled synthetic.
    """
    from fevermap.tracing.roadnodes import demo_road_nodes

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lon, lat = demo_road_nodes()
    cases = synth_case_visits(lon, lat, n_cases, seed=seed, days=days, tz=tz)
    stops, plant = synth_itineraries(
        lon, lat, n_stops, seed=seed + 1, days=days, cases=cases, planted=planted, rule=rule
    )
    paths = {
        "cases": str(out / "cases.csv"),
        "itineraries": str(out / "itineraries.csv"),
        "planted": str(out / "planted.csv"),
    }
    _csv_frame(cases, tz).to_csv(paths["cases"], index=False)
    _csv_frame(stops, tz).to_csv(paths["itineraries"], index=False)
    pd.DataFrame(
        {"itinerary_line": plant.stop + 2, "declarant_id": stops.owner[plant.stop], "case_line": plant.visit + 2,
         "case_id": cases.owner[plant.visit], "kind": plant.kind}
    ).to_csv(paths["planted"], index=False)  # fmt: skip
    return paths
