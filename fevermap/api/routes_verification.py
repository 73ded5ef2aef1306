"""Verification endpoint for partner jurisdictions: risk status of pseudonymous ids, no personal field."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from fevermap.access.keys import Principal, require
from fevermap.api.deps import ClientDep, PrincipalDep, SettingsDep
from fevermap.api.json_response import JSONResponse
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


async def require_partner(principal: PrincipalDep) -> Principal:
    """A partner key (its jurisdiction binding is checked by the verifier); 401/403 before the body is read."""
    require(principal, "partner")
    return principal


@routes.post("/verification", response_model=VerificationAnswer)
def post_verification(
    body: VerificationRequest,
    principal: Annotated[Principal, Depends(require_partner)],
    settings: SettingsDep,
    client: ClientDep,
    verifier: Annotated[Verifier, Depends(get_verifier)],
) -> JSONResponse:
    """Risk status of each pseudonymous id (partner key bound to a jurisdiction; every call is audited without the
    ids; rate-limited per partner)."""
    keys = {j: k.get_secret_value().encode() for j, k in settings.verification_keys.items()}
    policy = Policy(settings.verification_unknown_as_none, settings.verification_ids_per_minute,
                    settings.verification_partner_limits)  # fmt: skip
    return JSONResponse(verifier.verify(principal, body.ids, keys=keys, policy=policy, client=client))
