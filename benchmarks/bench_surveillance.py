"""Surveillance and verification benchmark: detection quality figures and partner-verification load.

Detection (pynssp's ESSENCE EWMA with fevermap's default thresholds):

- false alerts per area-day on stationary Poisson series of means 2, 10 and 50;
- share of outbreaks doubling every 3 days from 2·sqrt(mean) extra cases alerted within 3 days of their start;
- lead days per Shanghai district, 2022: the first alert against the first day with more than 10 new case
  address-days, on the bundled (central-box) address-days and, when the workplace's shared data is there, on the
  full 86,301 address-days.

Verification: ``fevermap serve --workers 2`` on SQLite with 20,000 synthetic declarations (labelled synthetic
phone numbers), a match run marking 2% of them as contacts and a synthetic case file whose sealed area holds the
declared stop of 1% of them; an open-loop client posts batches of 100 pseudonymous ids with a partner key at
``--rate`` batches/s for ``--duration`` seconds, then wrk as fast as it goes; ids/s, latency percentiles per batch,
the server's CPU per batch (its processes' user + system time) and the in-process CPU per batch (ASGI, no network)
are reported with the load average. Each part writes its own section of RESULTS.md.

Run: ``.venv/bin/python benchmarks/bench_surveillance.py [--part detection|verification] [--duration 60]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section
from bench_load import parse_wrk, wait_healthy

from fevermap.access.keys import create_key
from fevermap.cases.shanghai2022 import read_address_days
from fevermap.config import PACKAGE_DATA_DIR, REPO_DATA_DIR
from fevermap.db import open_database, session_factory
from fevermap.db.service_models import DeclarationRow, MatchRow, MatchRun
from fevermap.surveillance.detect import Detector, detect
from fevermap.surveillance.series import daily_counts, events_of, span
from fevermap.verification.pseudonym import e164, pseudonym

SHARED_CASES = REPO_DATA_DIR.parent.parent / "shared" / "data" / "cases" / "shanghai2022"
KEY = "benchmark shared key (not a secret)"


def _frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    days = pd.date_range("2022-01-01", periods=max(len(y) for y in series.values())).strftime("%Y-%m-%d")
    return pd.concat([pd.DataFrame({"area": a, "date": days[: len(y)], "count": y}) for a, y in series.items()])


def false_alerts(det: Detector, n_series: int = 30, days: int = 120) -> dict[int, tuple[float, float, int]]:
    """Per mean: (alerts, warnings) per area-day and the number of tested area-days."""
    rng = np.random.default_rng(7)
    out = {}
    for mean in (2, 10, 50):
        res = detect(_frame({f"{mean}-{k}": rng.poisson(mean, days) for k in range(n_series)}), det)
        t = res[res["p_value"].notna()]
        out[mean] = (float((t["level"] == "alert").mean()), float((t["level"] == "warning").mean()), len(t))
    return out


def outbreaks(det: Detector, trials: int = 200, start: int = 40) -> dict[str, float]:
    """Share alerted within 3 days of the start, overall and per mean; mean days to the first alert."""
    rng = np.random.default_rng(16)
    series, means = {}, {}
    for k in range(trials):
        mean = (2, 10, 50)[k % 3]
        y = rng.poisson(mean, start + 4).astype(float)
        y[start:] += rng.poisson(2 * np.sqrt(mean) * 2 ** (np.arange(4) / 3))
        series[f"t{k:03d}"], means[f"t{k:03d}"] = y, mean
    res = detect(_frame(series), det)
    days = sorted(res["date"].unique())[start : start + 4]
    win = res[res["date"].isin(days)]
    hit = win.groupby("area")["level"].apply(lambda s: (s == "alert").any())
    first = win[win["level"] == "alert"].groupby("area")["date"].min().map(days.index)
    out = {"all": float(hit.mean()), "mean_first_day": float(first.mean())}
    for mean in (2, 10, 50):
        out[str(mean)] = float(hit[[a for a in hit.index if means[a] == mean]].mean())
    return out


def lead_days(folder: Path, det: Detector) -> pd.DataFrame:
    """Per district: first day with > 10 new address-days, first warning and first alert, lead in days."""
    ev = events_of(read_address_days(folder))
    end = ev["date"].max().date()
    start, end = span(ev, end, 400)
    counts = daily_counts(ev, start, end)
    res = detect(counts, det)
    rows = []
    for area, part in res.groupby("area"):
        over = part[part["observed"] > 10]["date"]
        alert = part[part["level"] == "alert"]["date"]
        warn = part[part["level"] != "none"]["date"]
        first_over = over.min() if len(over) else None
        first_alert = alert.min() if len(alert) else None

        def lead(a: str | None, o: str | None = first_over) -> str:
            if a is None or o is None:
                return "-"
            return str((date.fromisoformat(o) - date.fromisoformat(a)).days)

        tested = part[part["p_value"].notna()]["date"]
        rows.append({"district": area, "address_days": int(part["observed"].sum()),
                     "tested_from": tested.min() if len(tested) else "-", "first_over_10": first_over or "-",
                     "first_warning": warn.min() if len(warn) else "-", "first_alert": first_alert or "-",
                     "lead_days": lead(first_alert)})  # fmt: skip
    return pd.DataFrame(rows).sort_values("address_days", ascending=False)


def _md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def detection_md() -> str:
    det = Detector()
    t = time.perf_counter()
    fa = false_alerts(det)
    ob = outbreaks(det)
    elapsed = time.perf_counter() - t
    lines = [
        f"Detector: pynssp `alert_ewma` (ESSENCE EWMA, B={det.baseline_days}, g={det.guard_days}, w1={det.w1}, "
        f"w2={det.w2}); alert p < {det.alert_p}, warning p < {det.warning_p}.",
        "",
        "| stationary Poisson mean | tested area-days | alerts per area-day | warnings per area-day |",
        "|---|---|---|---|",
    ]
    lines += [f"| {m} | {n} | {a:.4f} | {w:.4f} |" for m, (a, w, n) in fa.items()]
    lines += [
        "",
        f"Outbreaks doubling every 3 days from 2·sqrt(mean) extra cases, 200 trials (means 2, 10, 50 in turn): "
        f"alerted within 3 days of the start in {ob['all']:.1%} (mean 2: {ob['2']:.1%}, 10: {ob['10']:.1%}, "
        f"50: {ob['50']:.1%}); the first alert came on day {ob['mean_first_day']:.2f} on average (0 = start day).",
        f"Detection time for these {30 * 3 * 120 + 200 * 44} area-days: {elapsed:.1f} s.",
    ]
    for label, path in (("bundled address-days (central box of the demo region)",
                         PACKAGE_DATA_DIR / "cases" / "shanghai2022"),
                        ("all 86,301 address-days (workplace shared data)", SHARED_CASES)):  # fmt: skip
        if path.exists():
            lines += ["", f"Lead days per district, {label} (lead = first day > 10 minus first alert; positive: "
                          "the alert came first):", "", _md_table(lead_days(path, det))]  # fmt: skip
    return "\n".join(lines)


LUA = r"""
local bodies = {@BODIES@}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/verification", {["Content-Type"] = "application/json", ["X-API-Key"] = "@KEY@"},
    bodies[i])
end
"""


def paced(base: str, token: str, bodies: list[str], rate: float, duration: int) -> dict[str, float]:
    """Open-loop client: one batch every 1/rate s on a schedule; latency counts from the scheduled send time (no
    coordinated omission)."""
    from concurrent.futures import ThreadPoolExecutor

    client = httpx.Client(base_url=base, headers={"X-API-Key": token, "Content-Type": "application/json"}, timeout=30)

    def one(k: int, due: float) -> tuple[float, int]:
        r = client.post("/verification", content=bodies[k % len(bodies)])
        return time.perf_counter() - due, r.status_code

    futures = []
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for k in range(int(rate * duration)):
            due = t0 + k / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(one, k, due))
        results = [f.result() for f in futures]
    wall = time.perf_counter() - t0
    client.close()
    lat = np.array([r[0] for r in results]) * 1000
    ok = sum(1 for r in results if r[1] == 200)
    return {"batches": len(results), "wall": wall, "ok": ok, "p50": float(np.percentile(lat, 50)),
            "p99": float(np.percentile(lat, 99)), "max": float(lat.max())}  # fmt: skip


def _group_cpu(pgid: int) -> float:
    """User + system CPU seconds of the processes of a process group (the server and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def in_process_cpu(db: str, token: str, bodies: list[str], env: dict[str, str], n: int = 500) -> float:
    """Mean CPU ms per batch of ``POST /verification`` through the app's ASGI interface (no sockets)."""
    import asyncio

    from _asgi_cost import _call

    from fevermap.api.app import create_app
    from fevermap.config import Settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app(Settings(database_url=db))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    headers = {"content-type": "application/json", "x-api-key": token}

    async def run() -> float:
        async with app.router.lifespan_context(app):
            for b in bodies:
                assert await _call(app, ("POST", "/verification", "", b.encode(), headers)) == 200
            cpu = time.process_time()
            for k in range(n):
                await _call(app, ("POST", "/verification", "", bodies[k % len(bodies)].encode(), headers))
            return (time.process_time() - cpu) / n * 1000

    return asyncio.run(run())


def verification_md(duration: int, connections: int, rate: float) -> str:
    work = Path(tempfile.mkdtemp(prefix="bench-verif-"))
    db = f"sqlite:///{work / 'fevermap.sqlite3'}"
    engine = open_database(db)
    sessions = session_factory(engine)
    rng = random.Random(5)
    phones = [f"+86139{n:08d}" for n in rng.sample(range(10**8), 20_000)]  # synthetic numbers, never real people
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    cases = work / "cases.csv"  # one synthetic case yesterday: a sealed area today
    cases.write_text(f"id,lon,lat,start,end\nsyn-case-9,121.48,31.24,{yesterday.isoformat()},"
                     f"{(yesterday + timedelta(hours=1)).isoformat()}\n")  # fmt: skip
    home = {"lon": 121.4801, "lat": 31.2401, "start": yesterday.isoformat(), "end": now.isoformat()}

    def form(k: int) -> dict[str, object]:
        return {"stops": [home]} if k % 100 == 7 else {}

    with sessions.begin() as s:
        s.add_all(DeclarationRow(id=f"syn-decl-{k}", received_at=now, area="Synthetic", name="synthetic", phone=p,
                                 address="", form=form(k), client_hash="bench")
                  for k, p in enumerate(phones))  # fmt: skip
        run = MatchRun(at=now, by="bench", radius_m=50, min_overlap_s=900, declarations=len(phones), case_tracks=1,
                       matches=400)  # fmt: skip
        s.add(run)
        s.flush()
        s.add_all(MatchRow(run_id=run.id, declaration_id=f"syn-decl-{k}", case_id="syn-case-1", kind="proximity",
                           created_at=now, detail={}) for k in range(0, len(phones), 50))  # fmt: skip
    token = create_key(sessions, "partner", area="Jiangsu", label="benchmark")
    engine.dispose()
    ids = [pseudonym(e164(p), KEY.encode()) for p in phones]
    unknown = [pseudonym(e164(f"+86137{n:08d}"), KEY.encode()) for n in rng.sample(range(10**8), 2000)]
    bodies = []
    for _ in range(50):
        batch = rng.sample(ids, 90) + rng.sample(unknown, 10)
        bodies.append(json.dumps({"ids": batch}))
    script = work / "verify.lua"
    script.write_text(LUA.replace("@BODIES@", ",".join(json.dumps(b) for b in bodies)).replace("@KEY@", token))
    env = {**os.environ, "FEVERMAP_DATABASE_URL": db, "FEVERMAP_VERIFICATION_KEYS": json.dumps({"Jiangsu": KEY}),
           "FEVERMAP_VERIFICATION_IDS_PER_MINUTE": str(10**9), "FEVERMAP_RISK_CASES": str(cases)}  # fmt: skip
    in_process = in_process_cpu(db, token, bodies, env)
    port = 8741
    base = f"http://127.0.0.1:{port}"
    fevermap = str(Path(sys.executable).parent / "fevermap")
    proc = subprocess.Popen([fevermap, "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
                            env=env, start_new_session=True)  # fmt: skip
    try:
        wait_healthy(base)
        check = httpx.post(base + "/verification", json={"ids": [ids[0], ids[1], ids[7], unknown[0]]},
                           headers={"X-API-Key": token}, timeout=30).json()  # fmt: skip
        assert [r["risk"] for r in check["results"]] == ["contact", "none", "sealed_area", "none"], check
        subprocess.run(["wrk", "-t1", f"-c{connections}", "-d5s", "-s", str(script), base], capture_output=True,
                       check=True)  # fmt: skip
        load0, cpu0 = os.getloadavg(), _group_cpu(proc.pid)
        steady = paced(base, token, bodies, rate, duration)
        load1, server_cpu = os.getloadavg(), _group_cpu(proc.pid) - cpu0
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                              base], capture_output=True, text=True, check=True)  # fmt: skip
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    st = parse_wrk(out.stdout)
    ids_s = steady["ok"] * 100 / steady["wall"]
    return (
        f"`fevermap serve --workers 2` (SQLite, `synchronous=FULL`: every batch's audit row is on disk before the "
        f"answer), 20,000 synthetic declared phones, 400 contacts from a match run, 200 with a declared stop in a "
        f"sealed area; batches of 100 ids (90 known, 10 unknown); client and server on the same 2 cores.\n\n"
        f"- Load average (1 min) at the start and end of the paced run: {load0[0]:.1f} and {load1[0]:.1f}.\n"
        f"- Server CPU (user + system of its processes) during the paced run: "
        f"{server_cpu / max(steady['batches'], 1) * 1000:.2f} ms per batch; in-process handler CPU (ASGI, no "
        f"network, 500 batches): {in_process:.2f} ms per batch.\n"
        f"- Sustained rate (open-loop client, {rate:g} batches/s for {duration} s, latency from the scheduled send "
        f"time): **{ids_s:,.0f} ids/s**, {steady['ok']} of {steady['batches']} batches answered 200; latency per batch "
        f"p50 {steady['p50']:.1f} ms, **p99 {steady['p99']:.1f} ms**, max {steady['max']:.1f} ms (target: >= 500 ids/s "
        f"for 60 s with p99 <= 200 ms).\n"
        f"- Capacity (wrk, 1 thread, {connections} connections, as fast as it goes, {duration} s): "
        f"**{st['rps'] * 100:,.0f} ids/s** ({st['rps']:.1f} batches/s, {st['non2xx']:.0f} non-2xx, "
        f"{st['socket_errors']:.0f} socket errors); latency per batch at saturation p50 {st['p50']:.1f} ms, "
        f"p99 {st['p99']:.1f} ms."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["detection", "verification", "all"], default="all")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rate", type=float, default=6.0, help="batches per second of the paced client")
    args = parser.parse_args()
    if args.part in ("detection", "all"):
        text = f"## Surveillance: detection (`bench_surveillance.py`)\n\nMachine: {machine()}.\n\n" + detection_md()
        print(text)
        write_section("surveillance", text)
    if args.part in ("verification", "all"):
        text = (f"## Partner verification load (`bench_surveillance.py --part verification`)\n\n"
                f"Machine: {machine()}.\n\n" + verification_md(args.duration, args.connections, args.rate))  # fmt: skip
        print(text)
        write_section("verification", text)


if __name__ == "__main__":
    main()
