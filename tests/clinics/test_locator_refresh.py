"""The locator's snapshot follows the database, also when another process (another worker) writes: status reports
are patched in incrementally (only statuses newer than the snapshot are read), clinic changes rebuild it. Both
backends; clinics are SYNTHETIC points of the Shanghai extract."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from fevermap.clinics.locator import ClinicLocator
from fevermap.clinics.registry import ClinicRegistry
from fevermap.clinics.schemas import StatusUpdate
from fevermap.config import Settings
from fevermap.routing.region import Region
from fevermap.routing.router import Router
from tests.clinics.test_locator import synthetic_clinics

NOW = datetime(2026, 11, 25, 15, 40, tzinfo=UTC)
ORIGIN = (121.4737, 31.2304)


def _view(loc: ClinicLocator, **filters: bool) -> list[tuple[Any, ...]]:
    """What a resident sees of every clinic: order, slots, staleness, observation time."""
    ans = loc.nearest(*ORIGIN, limit=100, at=NOW, with_routes=False, **filters)
    return [(c.id, round(c.eta_s, 3), c.slots, c.stale, c.updated_at) for c in ans.clinics]


def _views(loc: ClinicLocator) -> list[list[tuple[Any, ...]]]:
    """All clinics, those not known to be full, and those known to have free slots now."""
    return [_view(loc), _view(loc, with_slots=True), _view(loc, with_slots=True, strict=True)]


def test_statuses_since_lists_the_newer_statuses_in_revision_order(registry: ClinicRegistry, shanghai: Region) -> None:
    registry.upsert_many(shanghai.name, synthetic_clinics(shanghai, 3, seed=2), timezone=shanghai.timezone)
    rev0, clinics_rev0 = registry.revisions()
    assert registry.statuses_since(rev0) == []
    registry.update_status("syn-0002", StatusUpdate(slots=3, observed_at=NOW - timedelta(minutes=3)), now=NOW)
    registry.update_status("syn-0000", StatusUpdate(slots=5, observed_at=NOW - timedelta(minutes=2)), now=NOW)
    rev1, _ = registry.revisions()
    registry.update_status("syn-0002", StatusUpdate(slots=7, observed_at=NOW - timedelta(minutes=1)), now=NOW)
    # an older observation is ignored: no new revision, nothing to reload
    registry.update_status("syn-0000", StatusUpdate(slots=1, observed_at=NOW - timedelta(minutes=9)), now=NOW)
    rev2, clinics_rev2 = registry.revisions()
    assert rev2 == rev0 + 3 and clinics_rev2 == clinics_rev0  # status reports leave the clinics revision alone
    since0 = registry.statuses_since(rev0)
    assert [(cid, s.slots) for cid, _, s in since0] == [("syn-0000", 5), ("syn-0002", 7)]  # latest per clinic
    assert [r for _, r, _ in since0] == sorted(r for _, r, _ in since0)
    assert [(cid, s.slots) for cid, _, s in registry.statuses_since(rev1)] == [("syn-0002", 7)]
    assert registry.statuses_since(rev2) == []
    registry.delete("syn-0001")
    assert registry.revisions()[1] > clinics_rev2


def test_locator_follows_another_workers_writes(db_url: str, shanghai: Region) -> None:
    """A locator (worker A) sees status reports, new clinics and deletions written through another registry
    (worker B) and answers exactly like a locator that loads everything afresh."""
    settings = Settings(status_refresh_s=0.0)
    worker_a = ClinicRegistry.open(db_url, settings=settings)
    worker_b = ClinicRegistry.open(db_url, settings=settings)
    try:
        worker_b.upsert_many(shanghai.name, synthetic_clinics(shanghai, 6, seed=4), timezone=shanghai.timezone)
        router = Router(shanghai)
        loc = ClinicLocator(worker_a, router)
        before = _view(loc)
        assert len(before) >= 4 and all(slots is None for _, _, slots, _, _ in before)
        target = before[-1][0]  # a routable clinic (a random synthetic point may lie far from any road)
        worker_b.update_status(target, StatusUpdate(slots=4, observed_at=NOW - timedelta(minutes=2)), now=NOW)
        seen = {cid: slots for cid, _, slots, _, _ in _view(loc)}
        assert seen[target] == 4 and sum(s is not None for s in seen.values()) == 1
        extra = synthetic_clinics(shanghai, 8, seed=4)[6:]
        worker_b.upsert_many(shanghai.name, extra, timezone=shanghai.timezone)
        assert len(_view(loc)) > len(before)
        worker_b.delete(target)
        assert target not in {row[0] for row in _view(loc)}
        assert _views(loc) == _views(ClinicLocator(worker_a, router))
    finally:
        worker_a.close()
        worker_b.close()


def test_incremental_snapshot_equals_a_fresh_load_after_random_writes(db_url: str, shanghai: Region) -> None:
    """Random interleavings of status reports (in and out of order) from two workers, clinic additions and
    deletions: after every step, the long-lived locator answers exactly like a new one."""
    settings = Settings(status_refresh_s=0.0)
    regs = [ClinicRegistry.open(db_url, settings=settings) for _ in range(2)]
    try:
        pool = synthetic_clinics(shanghai, 14, seed=9)
        regs[0].upsert_many(shanghai.name, pool[:8], timezone=shanghai.timezone)
        present = {c.id for c in pool[:8]}
        router = Router(shanghai)
        loc = ClinicLocator(regs[0], router)
        rng = random.Random(3)
        for _step in range(40):
            reg = rng.choice(regs)
            op = rng.random()
            if op < 0.75 and present:
                cid = rng.choice(sorted(present))
                observed = NOW - timedelta(minutes=rng.randint(0, 90))  # some older than stored, some stale
                reg.update_status(cid, StatusUpdate(slots=rng.randint(0, 9), observed_at=observed), now=NOW)
            elif op < 0.9:
                new = [c for c in pool if c.id not in present]
                if new:
                    reg.upsert_many(shanghai.name, [new[0]], timezone=shanghai.timezone)
                    present.add(new[0].id)
            elif len(present) > 2:
                gone = rng.choice(sorted(present))
                reg.delete(gone)
                present.discard(gone)
            assert _views(loc) == _views(ClinicLocator(regs[1], router))
    finally:
        for reg in regs:
            reg.close()


def test_a_write_here_is_seen_at_once_by_its_regions_snapshot_only(
    db_url: str, shanghai: Region, andorra: Region
) -> None:
    """With a long check interval, a status written through this process's registry reaches its region's locator
    at once; the other region's locator (which cannot rank that clinic) keeps its snapshot; another worker's write
    waits for the interval; a write to clinics (which can move a clinic between regions) reaches every region."""
    settings = Settings(status_refresh_s=3600.0)
    here, other = ClinicRegistry.open(db_url, settings=settings), ClinicRegistry.open(db_url, settings=settings)
    try:
        here.upsert_many(shanghai.name, synthetic_clinics(shanghai, 4, seed=4), timezone=shanghai.timezone)
        sh, an = ClinicLocator(here, Router(shanghai)), ClinicLocator(here, Router(andorra))
        target = _view(sh)[0][0]
        an.refresh()
        assert not sh.snapshot_due() and not an.snapshot_due()
        other.update_status(target, StatusUpdate(slots=2, observed_at=NOW - timedelta(minutes=3)), now=NOW)
        assert not sh.snapshot_due() and {r[0]: r[2] for r in _view(sh)}[target] is None  # within the interval
        here.update_status(target, StatusUpdate(slots=5, observed_at=NOW - timedelta(minutes=1)), now=NOW)
        assert sh.snapshot_due() and not an.snapshot_due()
        assert {r[0]: r[2] for r in _view(sh)}[target] == 5 and not sh.snapshot_due()
        here.update_status(target, StatusUpdate(slots=1, observed_at=NOW - timedelta(minutes=9)), now=NOW)
        assert not sh.snapshot_due()  # an older observation, not applied: nothing changed
        moved = [c.model_copy(update={"id": "syn-andorra-0"}) for c in synthetic_clinics(andorra, 1, seed=1)]
        here.upsert_many(andorra.name, moved, timezone=andorra.timezone)
        assert sh.snapshot_due() and an.snapshot_due()
    finally:
        here.close()
        other.close()
