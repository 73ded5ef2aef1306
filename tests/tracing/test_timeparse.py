"""Time parsing: offsets, day-level records in the region's zone, naive times refused unless a zone is assumed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fevermap.tracing.timeparse import parse_epoch_ms, parse_times, to_iso

SH = ZoneInfo("Asia/Shanghai")


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=SH).timestamp())


def test_offsets_and_utc_agree() -> None:
    s, err = parse_times(["2022-04-12T09:30:00+08:00", "2022-04-12T01:30:00Z", "2022-04-12T03:30:00+02:00"],
                         role="start", tz="Asia/Shanghai")  # fmt: skip
    assert err.tolist() == [None, None, None]
    assert s.tolist() == [ts(2022, 4, 12, 9, 30)] * 3


def test_a_day_level_record_covers_the_whole_local_day() -> None:
    s, _ = parse_times(["20220412", "2022-04-12"], role="start", tz="Asia/Shanghai")
    e, _ = parse_times(["20220412", "2022-04-12"], role="end", tz="Asia/Shanghai")
    assert s.tolist() == [ts(2022, 4, 12)] * 2
    assert e.tolist() == [ts(2022, 4, 13)] * 2
    assert to_iso(int(s[0])) == "2022-04-11T16:00:00Z"


def test_naive_times_are_refused_unless_a_zone_is_assumed() -> None:
    s, err = parse_times(["2022-04-12T09:30:00"], role="start", tz="Asia/Shanghai")
    assert "no UTC offset" in err[0]
    s, err = parse_times(["2022-04-12T09:30:00"], role="start", tz="UTC", assume_tz="Asia/Shanghai")
    assert err[0] is None and s[0] == ts(2022, 4, 12, 9, 30)


def test_bad_values_get_reasons_and_fractions_round_outwards() -> None:
    s, err = parse_times(["", "soon", "2022-13-40", "2022-04-12T25:00:00+08:00", "2022-04-12T09:30:00.4+08:00"],
                         role="end", tz="Asia/Shanghai")  # fmt: skip
    assert "missing" in err[0]
    assert "not an ISO 8601 time" in err[1]
    assert "not a valid date" in err[2]
    assert "not a valid ISO 8601 time" in err[3]
    assert err[4] is None and s[4] == ts(2022, 4, 12, 9, 30) + 1
    ms, merr = parse_epoch_ms([1583049600500, "x"], role="start")
    assert ms[0] == 1583049600 and "milliseconds" in merr[1]
