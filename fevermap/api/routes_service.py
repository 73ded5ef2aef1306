"""Service endpoints with roles: traffic feed, declarations, case tracks, matches, the verification list.

Residents declare without an account; traffic feeds, investigators' case tracks and matches, and the community
staff's verification list need a key of the right role (checked by :mod:`fevermap.api.deps`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool

from fevermap.api.deps import (
    ClientDep,
    ClientHashSecretDep,
    InvestigatorDep,
    RegionsDep,
    RouterDep,
    SessionsDep,
    SettingsDep,
    StaffDep,
    TrafficFeedDep,
)
from fevermap.db.traffic_versions import record_traffic
from fevermap.tracing.match_runs import list_matches, run_matches
from fevermap.tracing.models import MatchRule
from fevermap.tracing.schemas import CaseTrackCreate, DeclarationCreate, Receipt
from fevermap.tracing.store import save_case_tracks, save_declaration
from fevermap.tracing.verification import verification_list

routes = APIRouter()


@routes.post("/traffic", tags=["traffic"])
async def post_traffic(
    request: Request, router_: RouterDep, regions: RegionsDep, sessions: SessionsDep, principal: TrafficFeedDep
) -> dict[str, Any]:
    """Apply an OSRM segment-speed CSV (``from_osm_node_id,to_osm_node_id,speed_kmh[,rate]``; 0 closes). Applied
    at once in this worker and within seconds in every other worker. Body: ``text/csv``."""
    body = (await request.body()).decode("utf-8", errors="replace")
    others = [served.router for served in regions]
    return await run_in_threadpool(record_traffic, router_, sessions, body, principal.key_id or "", others=others)


@routes.post("/declarations", response_model=Receipt, status_code=201, tags=["residents"])
def post_declaration(
    form: DeclarationCreate,
    sessions: SessionsDep,
    client: ClientDep,
    settings: SettingsDep,
    secret: ClientHashSecretDep,
) -> Receipt:
    """A resident's declaration (no account needed); the receipt is returned only once it is stored durably."""
    receipt, at = save_declaration(sessions, form, client, secret=secret, per_minute=settings.declarations_per_minute)
    return Receipt(receipt_id=receipt, received_at=at)


@routes.post("/case-tracks", tags=["investigators"])
def post_case_tracks(
    tracks: Annotated[list[CaseTrackCreate], Body(max_length=1000)], sessions: SessionsDep, principal: InvestigatorDep
) -> dict[str, Any]:
    """Upload confirmed-case tracks (investigator key); a track with an existing id replaces it."""
    return {"stored": save_case_tracks(sessions, principal, tracks)}


@routes.post("/matches/run", tags=["investigators"])
def post_match_run(
    sessions: SessionsDep,
    principal: InvestigatorDep,
    router_: RouterDep,
    radius_m: Annotated[float, Query(ge=1, le=5000, description="default radius where a visit has none (m)")] = 50.0,
    min_overlap_min: Annotated[float, Query(ge=0, le=24 * 60)] = 15.0,
) -> dict[str, Any]:
    """Match every stored declaration against every stored case track (investigator key)."""
    rule = MatchRule(radius_m=radius_m, min_overlap_s=int(min_overlap_min * 60))
    return run_matches(sessions, principal, rule, tz=router_.region.timezone)


@routes.get("/matches", tags=["investigators"])
def get_matches(
    sessions: SessionsDep,
    principal: InvestigatorDep,
    client: ClientDep,
    run_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="default: the latest run")] = None,
) -> dict[str, Any]:
    """Matches of a run (default: the latest) with full detail and people ranked for contact (investigator key)."""
    return list_matches(sessions, principal, run_id, client)


@routes.get("/verification-list", tags=["community staff"])
def get_verification_list(
    sessions: SessionsDep, principal: StaffDep, client: ClientDep, router_: RouterDep
) -> dict[str, Any]:
    """The people of the key's own community area to verify: name, phone, address and what to ask (staff key)."""
    return verification_list(sessions, principal, client, tz=router_.region.timezone)
