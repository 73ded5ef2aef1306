"""osrm-text-instructions (the OSRM project's library, under Node) over every step of 200 random routes on Shanghai
and Porto, in zh-Hans and en: no exception, no empty text, the road's name is said, and fevermap's own compiler
(:mod:`fevermap.routing.instructions`) gives the very same sentence."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fevermap.routing.instructions import compile_step
from fevermap.routing.region import Region

from .osrm_fixtures import OSRM_TEXT, cached_porto, npm_package, sample_routes

LANGS = ("en", "zh-Hans")


@pytest.fixture(scope="module")
def osrm_text() -> Path:
    return npm_package(*OSRM_TEXT)


@pytest.fixture(params=["shanghai", "porto"])
def region(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Region:
    if request.param == "porto":
        return cached_porto(tmp_path_factory)
    shanghai: Region = request.getfixturevalue("shanghai")
    return shanghai


def _node_compile(lib: Path, items: list[dict[str, Any]]) -> list[Any]:
    script = Path(__file__).with_name("osrm_text_compile.js")
    done = subprocess.run(["node", str(script), str(lib)], input=json.dumps(items), capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    result: list[Any] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_every_step_reads_as_osrm_text_instructions_says(osrm_text: Path, region: Region) -> None:
    _, routes = sample_routes(region)
    items = []
    for body in routes:
        legs = body["routes"][0]["legs"]
        for k, leg in enumerate(legs):
            for step in leg["steps"]:
                for lang in LANGS:
                    items.append({"lang": lang, "step": step, "legIndex": k, "legCount": len(legs)})
    texts = _node_compile(osrm_text, items)
    assert len(texts) == len(items) > 2 * 2 * len(routes)
    kinds = set()
    for item, text in zip(items, texts, strict=True):
        step = item["step"]
        kinds.add(step["maneuver"]["type"])
        assert isinstance(text, str), f"osrm-text-instructions failed on {step['maneuver']}: {text}"
        assert text.strip()
        if step["name"] and step["maneuver"]["type"] != "arrive":
            assert step["name"] in text, (text, step["name"])
        ours = compile_step(item["lang"], step, leg_index=item["legIndex"], leg_count=item["legCount"])
        assert ours == text
    assert {"depart", "arrive", "turn"} <= kinds
