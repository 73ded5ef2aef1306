"""The triage rule set: first rule that holds wins, thresholds from the cited sources, both languages, checked data."""

from __future__ import annotations

import json

import pytest

from fevermap.errors import InputError
from fevermap.surveillance.triage import LANGUAGES, RULES_FILE, load_rules, parse_rules


def test_warning_signs_win_over_fever() -> None:
    adv = load_rules().advise(["fever", "shortness_of_breath"], 39.5, "en")
    assert adv.code == "call_emergency" and adv.call == "120" and not adv.go_to_clinic
    assert {s["id"] for s in adv.sources} >= {"who-covid-symptoms", "cdc-emergency-signs"}


@pytest.mark.parametrize(("temp", "code"), [(37.3, "fever_clinic_now"), (37.2, "stay_home_call")])
def test_measured_fever_threshold_is_the_cited_37_3(temp: float, code: str) -> None:
    assert load_rules().advise(["cough"], temp, "en").code == code


def test_no_symptom_means_monitor_and_text_follows_the_language() -> None:
    rules = load_rules()
    assert rules.advise([], None, "en").code == "monitor"
    zh = rules.advise(["fever"], None, "zh-Hans")
    assert zh.code == "fever_clinic_now" and zh.go_to_clinic and "发热门诊" in zh.text


def test_every_advice_and_symptom_has_both_languages_and_every_source_a_title() -> None:
    rules = load_rules()
    for adv in rules.advice.values():
        assert all(adv["text"][lang] for lang in LANGUAGES)
    for label in rules.symptoms.values():
        assert all(label[lang] for lang in LANGUAGES)
    assert all(s["title"] for s in rules.sources.values())


def test_unknown_symptom_or_language_is_refused() -> None:
    with pytest.raises(InputError, match="unknown symptoms"):
        load_rules().advise(["sneezing_fits"], None, "en")
    with pytest.raises(InputError, match="unknown language"):
        load_rules().advise([], None, "fr")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["rules"][0].update(advice="pray"), "unknown advice"),
        (lambda d: d["rules"][0].update(sources=["nowhere"]), "unknown source"),
        (lambda d: d["advice"]["monitor"]["text"].pop("en"), "no text in en"),
        (lambda d: d["rules"][0].update(any_symptom=["hiccups"]), "unknown symptom"),
    ],
)
def test_a_broken_rule_set_is_refused_naming_the_fault(change: object, says: str) -> None:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    with pytest.raises(InputError, match=says):
        parse_rules(data)
