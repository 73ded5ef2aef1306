"""One match record and one ranking: ``fevermap trace match`` and the HTTP service (``/matches``) give the same
explained records and the same ordered list of people for the same declarations and case tracks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from fevermap.api.cli import app as cli_app

from .conftest import Service

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
P1, P2 = (121.4737, 31.2304), (121.4997, 31.2397)
#: Fields that name where a record came from (a file line, a receipt): the rest must agree.
PROVENANCE = {"stop_record", "case_record", "declarant_id", "name", "phone", "area"}


def _stop(p: tuple[float, float], start_min: float, minutes: float, place: str = "market") -> dict[str, Any]:
    start = T0 + timedelta(minutes=start_min)
    return {"lon": p[0], "lat": p[1], "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat(), "place": place}  # fmt: skip


CASES = [
    {"id": "case-1", "visits": [_stop(P1, 0, 120)], "legs": [{"kind": "train", "number": "G7", "date": "2026-11-19",
                                                               "carriage": 3, "seat": "13B"}]},
    {"id": "case-2", "visits": [_stop(P2, 0, 120, "station")], "legs": []},
]  # fmt: skip
#: Strongest evidence first, then total overlap: Cy (nearby seat), Ann (90 min), Di (60), Bo (30 + 20 min, 2 cases).
PEOPLE = {
    "Ann": {"stops": [_stop(P1, 10, 90)]},
    "Bo": {"stops": [_stop(P1, 0, 30), _stop(P2, 100, 20)]},
    "Cy": {"legs": [{"kind": "train", "number": "G7", "date": "2026-11-19", "carriage": 3, "seat": "12A"}]},
    "Di": {"stops": [_stop(P2, 30, 60)]},
}
EXPECTED = ["Cy", "Ann", "Di", "Bo"]


def _cli(tmp_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"declarations": [{"id": c["id"], "stops": c["visits"], "legs": c["legs"]}
                                                  for c in CASES]}))  # fmt: skip
    decl = tmp_path / "declarations.json"
    decl.write_text(json.dumps({"declarations": [{"id": name, **d} for name, d in PEOPLE.items()]}))
    summary = tmp_path / "summary.jsonl"
    res = CliRunner().invoke(cli_app, ["trace", "match", "--cases", str(cases), "--itineraries", str(decl),
                                       "--tz", "Asia/Shanghai", "--summary", str(summary)])  # fmt: skip
    assert res.exit_code == 0, res.output
    matches = [json.loads(line) for line in res.stdout.splitlines()]
    return matches, [json.loads(line) for line in summary.read_text().splitlines()]


def _http(service: Service) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    c = service.client
    for name, d in PEOPLE.items():
        r = c.post("/declarations", json={"name": name, "phone": "+86 21 0000 0000", "area": "Area A", **d})
        assert r.status_code == 201, r.text
    assert c.post("/case-tracks", json=CASES, headers=service.h("investigator")).status_code == 200
    assert c.post("/matches/run", headers=service.h("investigator")).status_code == 200
    body = c.get("/matches", headers=service.h("investigator")).json()
    return body["matches"], body["people"]


def _comparable(record: dict[str, Any], who: str) -> dict[str, Any]:
    return {"who": who} | {k: v for k, v in record.items() if k not in PROVENANCE}


def test_cli_and_http_give_one_ranking_and_one_record(service: Service, tmp_path: Path) -> None:
    cli_matches, cli_people = _cli(tmp_path)
    http_matches, http_people = _http(service)
    assert [p["declarant_id"] for p in cli_people] == EXPECTED
    assert [p["name"] for p in http_people] == EXPECTED
    assert [_comparable(p, p["declarant_id"]) for p in cli_people] == [_comparable(p, p["name"]) for p in http_people]

    def key(r: dict[str, Any]) -> str:
        return json.dumps(r, sort_keys=True)

    cli = sorted((_comparable(m, m["declarant_id"]) for m in cli_matches), key=key)
    http = sorted((_comparable(m, m["name"]) for m in http_matches), key=key)
    assert len(cli) == 5 and cli == http
