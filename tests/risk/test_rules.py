"""Rule sets: the bundled ones load with their citations; bad ones are refused with a message saying what to fix."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fevermap.errors import RuleSetError
from fevermap.risk.rules import load_rules, parse_rules


def _default() -> dict[str, Any]:
    return copy.deepcopy(json.loads((Path(__file__).parents[2] / "fevermap/risk/rules/default.json").read_text()))


def test_bundled_rule_sets_load_with_citations() -> None:
    default, hamagen = load_rules(), load_rules("hamagen")
    assert default.names == ("sealed", "controlled", "prevention")
    assert default.level("sealed").window_days == (0, 7) and default.level("controlled").window_days == (7, 14)
    assert default.citations and hamagen.citations
    assert hamagen.names == ("exposure",) and hamagen.match.min_overlap_min == 15
    assert default.digest != hamagen.digest


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["levels"][1].update(window_days=[5, 14]), "overlap"),
        (lambda d: d["levels"][0].update(window_days=[-1, 7]), "negative"),
        (lambda d: d["levels"][0].update(window_days=[7, 7]), "empty"),
        (lambda d: d["levels"][0].update(window_days=[0]), "two whole numbers"),
        (lambda d: d["levels"][0].update(radius_m=-5), "positive"),
        (lambda d: d["levels"][0].update(radius_m=50_000), "at most"),
        (lambda d: d["levels"][2].update(around="nowhere"), "not an earlier 'cases' level"),
        (lambda d: d["levels"][1].update(name="sealed"), "used twice"),
        (lambda d: d["levels"][0].update(basis="vibes"), "basis must be"),
        (lambda d: d.pop("match"), "match"),
        (lambda d: d["match"].update(lookback_days=0), "lookback_days"),
        (lambda d: d.update(levels=[]), "non-empty 'levels'"),
    ],
)
def test_bad_rule_sets_say_what_to_fix(edit: Any, message: str) -> None:
    data = _default()
    edit(data)
    with pytest.raises(RuleSetError, match=message):
        parse_rules(data)


def test_rule_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="no such rule set"):
        load_rules(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(RuleSetError, match="not valid JSON"):
        load_rules(bad)
