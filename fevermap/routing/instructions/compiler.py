"""Compile a text instruction for an OSRM step from osrm-text-instructions' published language files.

The phrase data (``data/en.json``, ``data/zh-Hans.json``) is osrm-text-instructions 0.15.0's, unchanged (BSD-2-Clause,
``data/LICENSE``). The rules that pick a phrase and fill its tokens follow that library's documented behaviour (its
``compile`` for OSRM v5 steps), so a step gets the sentence the library would give it; ``tests/routing/test_osrm_text``
runs the real library under Node over many routes and compares.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

VERSION = "v5"
#: Language codes fevermap ships; ``zh`` and ``en`` are accepted as short forms.
LANGUAGES = ("en", "zh-Hans")
_ALIASES = {"zh": "zh-Hans", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "en": "en"}
_TOKEN = re.compile(r"\{(\w+)(?::(\w+))?\}")


def language_code(lang: str) -> str:
    """The language file for ``lang`` (``en``, ``zh``, ``zh-Hans``); raise ``KeyError`` for others."""
    code = _ALIASES.get(lang.lower(), lang)
    if code not in LANGUAGES:
        raise KeyError(lang)
    return code


@cache
def phrases(lang: str) -> dict[str, Any]:
    """The whole language file of ``lang`` (meta and the ``v5`` phrases)."""
    text = resources.files("fevermap.routing.instructions").joinpath("data", f"{language_code(lang)}.json").read_text()
    data: dict[str, Any] = json.loads(text)
    if language_code(lang) == "zh-Hans":  # the library's own override for Chinese
        data["meta"]["capitalizeFirstLetter"] = False
    return data


def _v5(lang: str) -> dict[str, Any]:
    v5: dict[str, Any] = phrases(lang)[VERSION]
    return v5


def ordinalize(lang: str, number: int) -> str:
    """``1`` -> ``1st`` / ``第一``; empty beyond the language file's list."""
    return str(_v5(lang)["constants"]["ordinalize"].get(str(number), ""))


def direction_from_degree(lang: str, degree: float | None) -> str:
    """Compass direction word of a bearing in degrees (the library's bands)."""
    if degree is None:
        return ""
    d = _v5(lang)["constants"]["direction"]
    bands = [(0, 20, "north", True, True), (20, 70, "northeast", False, False), (70, 110, "east", True, True),
             (110, 160, "southeast", False, False), (160, 200, "south", True, True),
             (200, 250, "southwest", False, False), (250, 290, "west", True, True),
             (290, 340, "northwest", False, False), (340, 360, "north", True, True)]  # fmt: skip
    for lo, hi, name, lo_in, hi_in in bands:
        if (degree >= lo if lo_in else degree > lo) and (degree <= hi if hi_in else degree < hi):
            return str(d[name])
    raise ValueError(f"bearing {degree} is not within 0..360 degrees")


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def tokenize(lang: str, instruction: str, tokens: dict[str, str | None]) -> str:
    """Replace ``{token}`` placeholders (unknown ones stay) and capitalise as the language says."""
    capitalize = bool(phrases(lang)["meta"].get("capitalizeFirstLetter"))
    started_with_token = False

    def replace(match: re.Match[str]) -> str:
        nonlocal started_with_token
        value = tokens.get(match.group(1))
        if value is None:
            return match.group(0)
        if match.start() == 0 and capitalize:
            started_with_token = True
            value = _capitalize(value)
        return value

    out = _TOKEN.sub(replace, instruction).replace("  ", " ")
    return _capitalize(out) if capitalize and not started_with_token else out


def way_name(lang: str, step: dict[str, Any], classes: list[str] | None = None) -> str:
    """The road's name as the library says it: ``name (ref)``, the ref alone on motorways, or the name."""
    name = step.get("name") or ""
    ref_full = step.get("ref") or ""
    ref = ref_full.split(";")[0]
    if name == step.get("ref"):
        name = ""
    name = name.replace(f" ({step.get('ref')})", "")
    motorway = "motorway" in (classes or [])
    if name and ref and name != ref and not motorway:
        phrase = _v5(lang)["phrase"].get("name and ref") or _v5("en")["phrase"]["name and ref"]
        return tokenize(lang, phrase, {"name": name, "ref": ref})
    if name and ref and motorway and re.search(r"\d", ref):
        return ref
    if not name and ref:
        return ref
    return str(name)


def compile_step(
    lang: str,
    step: dict[str, Any],
    *,
    leg_index: int | None = None,
    leg_count: int | None = None,
    waypoint_name: str | None = None,
    classes: list[str] | None = None,
) -> str:
    """The text instruction of an OSRM v5 route step.

    Parameters
    ----------
    lang : str
        ``en`` or ``zh-Hans`` (``zh``).
    step : dict
        An OSRM step: ``maneuver`` {``type``, ``modifier``, ``bearing_after``, ``exit``}, ``name``, ``ref``,
        ``mode``, ``driving_side``, and optionally ``rotary_name``, ``destinations``, ``exits``, ``junction_name``.
    leg_index, leg_count : int, optional
        Which leg of how many (``arrive`` then says "your 1st destination" on an intermediate waypoint).
    waypoint_name : str, optional
        Name of the waypoint reached by an ``arrive`` step.
    classes : list of str, optional
        Road classes of the step (``motorway`` prefers the ref over the name).
    """
    v5 = _v5(lang)
    maneuver = step["maneuver"]
    kind = maneuver.get("type")
    modifier = maneuver.get("modifier")
    side = step.get("driving_side")
    if not kind:
        raise ValueError("the step's maneuver has no type")
    if kind not in ("depart", "arrive") and not modifier:
        raise ValueError(f"a {kind!r} maneuver needs a modifier")
    if kind not in v5:
        kind = "turn"  # OSRM: clients treat unknown types as turns
    mode = step.get("mode")
    if mode in v5["modes"]:
        obj = v5["modes"][mode]
    else:
        omit_side = kind == "off ramp" and side is not None and side in (modifier or "")
        obj = v5[kind][modifier] if modifier in v5[kind] and not omit_side else v5[kind]["default"]
    lane_instruction = None
    if kind == "use lane":
        lanes = step.get("intersections", [{}])[0].get("lanes") or []
        config: list[str] = []
        for lane in lanes:
            mark = "o" if lane.get("valid") else "x"
            if not config or config[-1] != mark:
                config.append(mark)
        lane_instruction = v5["constants"]["lanes"].get("".join(config))
        if not lane_instruction:
            obj = v5["use lane"]["no_lanes"]
    elif kind in ("rotary", "roundabout"):
        exit_ = maneuver.get("exit")
        if step.get("rotary_name") and exit_ and "name_exit" in obj:
            obj = obj["name_exit"]
        elif step.get("rotary_name") and "name" in obj:
            obj = obj["name"]
        elif exit_ and "exit" in obj:
            obj = obj["exit"]
        else:
            obj = obj["default"]
    name = way_name(lang, step, classes)
    if step.get("destinations") and step.get("exits") and "exit_destination" in obj:
        text = obj["exit_destination"]
    elif step.get("destinations") and "destination" in obj:
        text = obj["destination"]
    elif step.get("exits") and "exit" in obj:
        text = obj["exit"]
    elif step.get("junction_name") and "junction_name" in obj:
        text = obj["junction_name"]
    elif name and "name" in obj:
        text = obj["name"]
    elif waypoint_name and "named" in obj:
        text = obj["named"]
    else:
        text = obj["default"]
    destination = ""
    if step.get("destinations"):
        parts = step["destinations"].split(": ")
        ref = parts[0].split(",")[0]
        dest = parts[1].split(",")[0] if len(parts) > 1 else ""
        destination = f"{ref}: {dest}" if ref and dest else ref or dest
    nth = ""
    if leg_index is not None and leg_index >= 0 and leg_index != (leg_count or 0) - 1:
        nth = ordinalize(lang, leg_index + 1)
    tokens: dict[str, str | None] = {
        "way_name": name,
        "destination": destination,
        "exit": (step.get("exits") or "").split(";")[0],
        "exit_number": ordinalize(lang, maneuver.get("exit") or 1),
        "rotary_name": step.get("rotary_name"),
        "lane_instruction": lane_instruction,
        "modifier": v5["constants"]["modifier"].get(modifier) if modifier else None,
        "direction": direction_from_degree(lang, maneuver.get("bearing_after")),
        "nth": nth,
        "waypoint_name": waypoint_name,
        "junction_name": (step.get("junction_name") or "").split(";")[0],
    }
    return tokenize(lang, text, tokens)


def in_distance(lang: str, instruction: str, distance_text: str) -> str:
    """``In 300 m, turn left`` / ``300米后左转``: the language file's "one in distance" phrase."""
    if phrases(lang)["meta"].get("capitalizeFirstLetter"):
        instruction = instruction[:1].lower() + instruction[1:]
    phrase = _v5(lang)["phrase"]["one in distance"]
    return tokenize(lang, phrase, {"distance": distance_text, "instruction_one": instruction})


def format_distance(lang: str, metres: float) -> str:
    """A distance for people: ``300 m`` / ``1.2 km`` (en), ``300米`` / ``1.2公里`` (zh-Hans), rounded like a sign."""
    zh = language_code(lang) == "zh-Hans"
    if metres >= 1000:
        km = round(metres / 1000, 1) if metres < 10_000 else round(metres / 1000)
        value = f"{km:g}"
        return f"{value}公里" if zh else f"{value} km"
    step = 10 if metres < 100 else 50
    m = max(step, int(round(metres / step) * step)) if metres > 5 else max(1, round(metres))
    return f"{m}米" if zh else f"{m} m"
