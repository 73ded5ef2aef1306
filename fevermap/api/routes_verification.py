"""Verification endpoint for partner jurisdictions: risk status of pseudonymous ids, no personal field."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Security
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from fevermap.access.keys import authenticate, require
from fevermap.api.deps import ClientDep, SettingsDep, api_key_header, get_sessions
from fevermap.api.json_response import JSONResponse
from fevermap.config import Settings
from fevermap.verification.service import MAX_IDS, Policy, Verifier

routes = APIRouter(tags=["partners"])


class VerificationRequest(BaseModel):
    """Up to 1,000 ids: each the 64 hex digits of HMAC-SHA-256(shared key, E.164 phone number)."""

    ids: list[Annotated[str, Field(max_length=128)]] = Field(min_length=1, max_length=MAX_IDS)


class VerificationResult(BaseModel):
    """One id's status: the level, when it was known, why; never a name, itinerary or place."""

    model_config = ConfigDict(extra="forbid")

    id: str
    risk: Literal["contact", "sealed_area", "none", "no_record"]
    reasons: list[Literal["contact_proximity", "contact_transport", "declared_place_in_sealed_area"]]
    as_of: str = Field(description="contact, none: time of the latest match run; sealed_area: start of the local "
                       "day whose sealed areas were checked")  # fmt: skip


class VerificationAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str
    as_of: str
    areas_date: str | None = Field(description="local day (YYYY-MM-DD) whose sealed areas were checked")
    results: list[VerificationResult]


async def get_verifier(request: Request) -> Verifier:
    verifier: Verifier = request.app.state.verifier
    return verifier


def _answer(
    sessions: sessionmaker[Session], token: str | None, raw: bytes, settings: Settings, client: str,
    verifier: Verifier,
) -> dict[str, Any]:  # fmt: skip
    """Authenticate the partner key, then validate the body and verify, on one worker thread (the key check and the
    look-up both touch the database): an anonymous caller gets 401 whatever the body, never its schema."""
    principal = authenticate(sessions, token)
    require(principal, "partner")
    try:
        body = VerificationRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    keys = {j: k.get_secret_value().encode() for j, k in settings.verification_keys.items()}
    policy = Policy(settings.verification_unknown_as_none, settings.verification_ids_per_minute,
                    settings.verification_partner_limits)  # fmt: skip
    return verifier.verify(principal, body.ids, keys=keys, policy=policy, client=client)


_BODY = {"required": True, "content": {"application/json": {"schema": VerificationRequest.model_json_schema()}}}


@routes.post("/verification", response_model=VerificationAnswer, openapi_extra={"requestBody": _BODY})
async def post_verification(
    request: Request,
    token: Annotated[str | None, Security(api_key_header)],
    sessions: Annotated[sessionmaker[Session], Depends(get_sessions)],
    settings: SettingsDep,
    client: ClientDep,
    verifier: Annotated[Verifier, Depends(get_verifier)],
) -> JSONResponse:
    """Risk status of each pseudonymous id (partner key bound to a jurisdiction; every call is audited without the
    ids; rate-limited per partner).

    The key is checked first, then the body (a :class:`VerificationRequest`), then the ids are looked up: all on one
    worker thread, one hop from the event loop per call."""
    raw = await request.body()
    answer = await run_in_threadpool(_answer, sessions, token, raw, settings, client, verifier)
    return JSONResponse(answer)
