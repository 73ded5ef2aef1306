"""Triage advice for a symptom report from a rule set kept as data (``rules/triage.json``) with its citations.

The rules are tried in order and the first that holds gives the advice; each names the sources it rests on. A health
authority can change the file, or give :func:`load_rules` another one, without changing code. Texts exist in every
language of :data:`LANGUAGES`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fevermap.errors import InputError

LANGUAGES = ("zh-Hans", "en")
RULES_FILE = Path(__file__).resolve().parent / "rules" / "triage.json"


@dataclass(frozen=True)
class Advice:
    """The outcome of triage: which advice, by which rule, on which sources, in one language."""

    code: str
    rule: str
    text: str
    go_to_clinic: bool
    call: str | None
    sources: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "advice": self.code,
            "rule": self.rule,
            "text": self.text,
            "go_to_clinic": self.go_to_clinic,
            "call": self.call,
            "sources": self.sources,
        }


@dataclass(frozen=True)
class RuleSet:
    """A parsed triage rule set."""

    id: str
    version: str
    symptoms: dict[str, dict[str, str]]
    rules: list[dict[str, Any]]
    advice: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    #: A declaration or report at or above this temperature counts as fever (degC).
    fever_threshold_c: float = 37.3

    def advise(self, symptoms: list[str], temperature_c: float | None, lang: str = "en") -> Advice:
        """The advice of the first rule that holds.

        Parameters
        ----------
        symptoms : list of str
            Keys of :attr:`symptoms`.
        temperature_c : float, optional
            Measured body temperature (degrees Celsius).
        lang : str
            ``zh-Hans`` or ``en``.
        """
        if lang not in LANGUAGES:
            raise InputError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
        unknown = sorted(set(symptoms) - set(self.symptoms))
        if unknown:
            raise InputError(f"unknown symptoms {', '.join(unknown)}: use keys of {', '.join(self.symptoms)}")
        have = set(symptoms)
        for rule in self.rules:
            if _holds(rule, have, temperature_c):
                adv = self.advice[rule["advice"]]
                return Advice(
                    code=rule["advice"],
                    rule=rule["id"],
                    text=adv["text"][lang],
                    go_to_clinic=bool(adv["go_to_clinic"]),
                    call=adv.get("call"),
                    sources=[self.sources[s] for s in rule.get("sources", [])],
                )
        raise InputError(f"triage rule set {self.id} has no rule for this report (it needs a last catch-all rule)")


def _holds(rule: dict[str, Any], have: set[str], temperature_c: float | None) -> bool:
    if "any_symptom" in rule and not have.intersection(rule["any_symptom"]):
        return False
    limit = rule.get("temperature_at_least_c")
    return limit is None or (temperature_c is not None and temperature_c >= float(limit))


def parse_rules(data: dict[str, Any]) -> RuleSet:
    """Check and parse a rule set (every advice and source referenced exists, texts in every language).

    Raises
    ------
    InputError
        Naming the rule, advice or source that is wrong.
    """
    sources = {s["id"]: s for s in data.get("sources", [])}
    advice = data.get("advice", {})
    for code, adv in advice.items():
        missing = [lang for lang in LANGUAGES if lang not in adv.get("text", {})]
        if missing:
            raise InputError(f"advice {code!r} has no text in {', '.join(missing)}")
    symptoms = data.get("symptoms", {})
    for rule in data.get("rules", []):
        if rule.get("advice") not in advice:
            raise InputError(f"rule {rule.get('id')!r} gives unknown advice {rule.get('advice')!r}")
        for s in rule.get("sources", []):
            if s not in sources:
                raise InputError(f"rule {rule['id']!r} cites unknown source {s!r}")
        for s in rule.get("any_symptom", []):
            if s not in symptoms:
                raise InputError(f"rule {rule['id']!r} names unknown symptom {s!r}")
    return RuleSet(
        id=str(data.get("id", "")),
        version=str(data.get("version", "")),
        symptoms=symptoms,
        rules=list(data.get("rules", [])),
        advice=advice,
        sources=sources,
        fever_threshold_c=float(data.get("fever_threshold_c", 37.3)),
    )


@lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES_FILE) -> RuleSet:
    """The rule set in ``path`` (default: the bundled one), parsed once per path."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read triage rules {path}: {exc}") from exc
    return parse_rules(data)
