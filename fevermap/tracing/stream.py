"""Streaming: match stop chunks one after another against one index, so memory stays bounded.

Memory is the case-visit index plus one chunk of stops and its candidate pairs, whatever the number of stops: 10
million stops against 1 million visits run in about 1 GB (see the tracing section of ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fevermap.tracing.engine import ProximityIndex
from fevermap.tracing.models import Matches, MatchRule, Visits


def match_stream(
    stop_chunks: Iterable[Visits],
    visits: Visits | ProximityIndex,
    rule: MatchRule | None = None,
    *,
    chunk_size: int = 500_000,
) -> Iterator[tuple[Visits, Matches]]:
    """Yield ``(chunk, matches)`` for each chunk of stops; match rows index the chunk and the case visits.

    Parameters
    ----------
    stop_chunks : iterable of Visits
        Declared stops, chunk by chunk (e.g. from :func:`fevermap.tracing.readers.iter_csv`).
    visits : Visits or ProximityIndex
        Case visits, or an index already built on them (then ``rule`` is ignored).
    rule : MatchRule, optional
        Defaults to 50 m and 15 min.
    """
    index = visits if isinstance(visits, ProximityIndex) else ProximityIndex(visits, rule or MatchRule())
    for chunk in stop_chunks:
        yield chunk, index.match(chunk, chunk_size=chunk_size)
