"""Correctness under concurrency and faults, against a real multi-worker ``fevermap serve`` on SQLite and PostgreSQL:
concurrent status updates, SIGKILL while declarations are posted, traffic while serving, fuzzing under load."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from fevermap.access.keys import create_key
from fevermap.db import open_database, session_factory
from fevermap.db.service_models import DeclarationRow

from .conftest import Server

# Close idle client connections well before uvicorn's 5 s keep-alive timeout: otherwise a request can go out on a
# connection the server is closing at that moment, which httpx reports as "Server disconnected without a response".
KEEPALIVE_S = 1.0
LIMITS = httpx.Limits(keepalive_expiry=KEEPALIVE_S)


def _key(db_url: str, role: str, **binding: str) -> str:
    engine = open_database(db_url)
    try:
        return create_key(session_factory(engine), role, **binding)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_concurrent_status_updates_end_at_the_newest(server: Server) -> None:
    cid = httpx.get(server.base + "/clinics").json()[0]["id"]
    key = _key(server.db_url, "clinic", clinic_id=cid)
    now = datetime.now(UTC)
    n_writes = 200
    order = list(range(n_writes))
    random.Random(7).shuffle(order)
    acks: list[tuple[float, int]] = []
    reads: list[tuple[float, int | None]] = []
    codes: list[int] = []

    async def writer(client: httpx.AsyncClient, ks: list[int]) -> None:
        for k in ks:  # k is both the slot count and the recency rank of the observation
            body = {"slots": k, "observed_at": (now - timedelta(seconds=n_writes - k)).isoformat()}
            r = await client.put(f"/clinics/{cid}/status", json=body, headers={"X-API-Key": key})
            codes.append(r.status_code)
            if r.status_code == 200:
                acks.append((time.monotonic(), k))

    async def reader(client: httpx.AsyncClient) -> None:
        for _ in range(5):
            started = time.monotonic()
            r = await client.get(f"/clinics/{cid}")
            codes.append(r.status_code)
            if r.status_code == 200:
                reads.append((started, r.json()["status"]["slots"]))

    async def main() -> None:
        limits = httpx.Limits(max_connections=250, keepalive_expiry=KEEPALIVE_S)
        async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
            writers = [writer(client, order[i::50]) for i in range(50)]
            readers = [reader(client) for _ in range(200)]
            await asyncio.gather(*writers, *readers)

    asyncio.run(main())
    assert all(c < 500 for c in codes), sorted(set(codes))
    assert len(acks) == n_writes
    final = httpx.get(f"{server.base}/clinics/{cid}").json()["status"]
    assert final["slots"] == n_writes - 1
    acks.sort()
    ack_times = [t for t, _ in acks]
    best_so_far = []
    best = -1
    for _, k in acks:
        best = max(best, k)
        best_so_far.append(best)
    import bisect

    for started, slots in reads:
        i = bisect.bisect_left(ack_times, started)
        if i > 0:  # some write was acknowledged before this read began: it must not see anything older
            assert slots is not None and slots >= best_so_far[i - 1], (slots, best_so_far[i - 1])


def _declaration(i: int) -> dict[str, Any]:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=i)
    return {
        "name": f"resident {i}",
        "phone": f"+86 138 {i:04d} 0000",
        "address": f"{i} Nanjing Road",
        "area": f"area {i % 7}",
        "stops": [
            {
                "lon": 121.47 + i * 1e-5,
                "lat": 31.23,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "place": f"shop {i}",
            }
        ],
    }


def test_acknowledged_declarations_survive_sigkill(db_url: str) -> None:
    unlimited = {"FEVERMAP_DECLARATIONS_PER_MINUTE": "1000000"}  # one test client posts them all
    srv = Server(db_url, workers=2, extra_env=unlimited).start()
    receipts: dict[str, int] = {}
    killed = threading.Event()

    async def post(client: httpx.AsyncClient, i: int) -> None:
        try:
            r = await client.post("/declarations", json=_declaration(i))
        except httpx.HTTPError:
            return  # the server died under this request: it was never acknowledged
        if r.status_code == 201:
            receipts[r.json()["receipt_id"]] = i
            if len(receipts) >= 300 and not killed.is_set():
                killed.set()
                srv.kill()
        else:
            assert r.status_code < 500, r.text

    async def main() -> None:
        sem = asyncio.Semaphore(20)

        async def limited(client: httpx.AsyncClient, i: int) -> None:
            async with sem:
                await post(client, i)

        async with httpx.AsyncClient(base_url=srv.base, timeout=30, limits=LIMITS) as client:
            await asyncio.gather(*(limited(client, i) for i in range(1000)))

    try:
        asyncio.run(main())
    finally:
        if not killed.is_set():
            srv.stop()
    assert killed.is_set() and len(receipts) >= 300
    restarted = Server(db_url, workers=1).start()  # the service comes back on the same database
    try:
        assert httpx.get(restarted.base + "/health").json()["status"] == "ok"
        engine = open_database(db_url)
        try:
            with session_factory(engine)() as session:
                rows = {r.id: r for r in session.execute(select(DeclarationRow)).scalars()}
        finally:
            engine.dispose()
        missing = [rid for rid in receipts if rid not in rows]
        assert not missing, f"{len(missing)} acknowledged declarations lost"
        for rid, i in receipts.items():
            sent, row = _declaration(i), rows[rid]
            assert (row.name, row.phone, row.area, row.address) == (sent["name"], sent["phone"], sent["area"],
                                                                    sent["address"])  # fmt: skip
            assert row.form["stops"][0]["place"] == f"shop {i}"
    finally:
        restarted.stop()


def test_traffic_while_serving_reaches_every_worker(server: Server) -> None:
    key = _key(server.db_url, "traffic")
    params = {"from": "121.4737,31.2304", "to": "121.4997,31.2397"}
    base = httpx.get(server.base + "/route", params=params).json()["duration_s"]
    stop = threading.Event()
    errors: list[int] = []

    def load() -> None:
        with httpx.Client(base_url=server.base, timeout=30, limits=LIMITS) as c:
            while not stop.is_set():
                r = c.get("/clinics/nearest", params={"at": "121.48,31.22"})
                if r.status_code >= 500:
                    errors.append(r.status_code)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        net = httpx.get(server.base + "/map/roads.geojson").json()
        assert net["features"]
        # slow every road in the region to a crawl (OSRM segment speeds: rows for each OSM node pair, both ways)
        from fevermap.routing.region import demo_region

        g = demo_region().graph
        rows = "\n".join(f"{u},{v},5" for u, v in zip(g.seg_u_osm, g.seg_v_osm, strict=True)) + "\n"
        r = httpx.post(server.base + "/traffic", content=rows, headers={"X-API-Key": key}, timeout=60)
        assert r.status_code == 200, r.text
        time.sleep(3)  # every worker polls the database every 0.5 s
        durations = [httpx.get(server.base + "/route", params=params).json()["duration_s"] for _ in range(40)]
        assert min(durations) > 3 * base, (base, sorted(set(durations)))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors


def test_fuzzing_under_load_gives_no_server_error(server: Server) -> None:
    import schemathesis
    from schemathesis import checks

    key = _key(server.db_url, "admin")
    stop = threading.Event()
    load_codes: list[int] = []

    def load() -> None:
        with httpx.Client(base_url=server.base, timeout=30, limits=LIMITS) as c:
            while not stop.is_set():
                load_codes.append(
                    c.get("/route", params={"from": "121.4737,31.2304", "to": "121.48,31.22"}).status_code
                )

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    failures: list[str] = []
    try:
        api = schemathesis.openapi.from_url(server.base + "/openapi.json")
        for result in api.get_all_operations():
            op = result.ok()

            @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=op.as_strategy())
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers={"X-API-Key": key}, checks=[checks.not_a_server_error])

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{op.method.upper()} {op.path}: {exc}")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, "\n".join(failures)
    assert load_codes and all(c == 200 for c in load_codes), sorted(set(load_codes))
    assert httpx.get(server.base + "/health").status_code == 200
