"""Surveillance endpoints: residents' symptom reports and investigators' alerts and series by area.

A symptom report is answered with triage advice and the nearest available clinic.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import FileResponse, RedirectResponse

from fevermap.api.deps import (
    ClientDep,
    ClientHashSecretDep,
    InvestigatorDep,
    LocatorDep,
    RouterDep,
    SessionsDep,
    SettingsDep,
)
from fevermap.api.page_lang import LANGUAGES as PAGE_LANGUAGES
from fevermap.api.routes_map import STATIC_DIR
from fevermap.errors import FevermapError
from fevermap.surveillance.areas import districts
from fevermap.surveillance.reports import save_report
from fevermap.surveillance.schemas import AdviceOut, SymptomReportCreate
from fevermap.surveillance.store import area_series, list_alerts
from fevermap.surveillance.triage import LANGUAGES, load_rules
from fevermap.textcheck import CleanStr

routes = APIRouter()


@routes.get("/symptoms", include_in_schema=False)
async def symptoms_page(lang: str | None = None) -> RedirectResponse:
    """The symptom report is a view of the resident's page: ``/#symptoms`` (``?lang=`` is remembered as the page's
    language, as the page's own switch does)."""
    response = RedirectResponse("/#symptoms", status_code=302)
    if lang in PAGE_LANGUAGES:
        response.set_cookie("fevermap_lang", str(lang), max_age=31_536_000, path="/", samesite="lax")
    return response


@routes.get("/surveillance", include_in_schema=False)
def surveillance_page() -> FileResponse:
    """The investigators' view: areas by latest alert level, a time series per area."""
    return FileResponse(STATIC_DIR / "surveillance.html", media_type="text/html")


def _lang(body_lang: str | None, accept: str | None) -> str:
    if body_lang:
        return body_lang
    return "zh-Hans" if (accept or "").lower().lstrip().startswith("zh") else "en"


@routes.get("/symptom-reports/form", tags=["residents"])
async def symptom_form(settings: SettingsDep) -> dict[str, Any]:
    """What the symptom form offers: the symptoms of the triage rule set (labels per language) and the districts."""
    rules = load_rules()
    return {
        "symptoms": rules.symptoms,
        "languages": list(LANGUAGES),
        "districts": list(districts(settings.data_dir)),
        "rules": {"id": rules.id, "version": rules.version, "sources": list(rules.sources.values())},
    }


@routes.post("/symptom-reports", response_model=AdviceOut, status_code=201, tags=["residents"])
def post_symptom_report(
    form: SymptomReportCreate,
    sessions: SessionsDep,
    client: ClientDep,
    settings: SettingsDep,
    router_: RouterDep,
    locator: LocatorDep,
    secret: ClientHashSecretDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> AdviceOut:
    """An anonymous symptom report; the answer is the triage advice in the request's language (``lang``, else
    ``Accept-Language``) and, where the advice is to go to a fever clinic now and a point was given, the nearest one
    with free slots by driving time."""
    lang = _lang(form.lang, accept_language)
    report_id, area, advice = save_report(
        sessions, form, client, secret=secret, lang=lang, tz=router_.region.timezone, data_dir=settings.data_dir,
        h3_resolution=settings.surveillance_h3_resolution, per_minute=settings.symptom_reports_per_minute,
    )  # fmt: skip
    clinic = None
    if advice.go_to_clinic and form.lon is not None and form.lat is not None:
        try:
            answer = locator.nearest(form.lon, form.lat, limit=1, with_slots=True, with_routes=False)
        except FevermapError:  # a point off the region's roads: the advice stands, without a clinic
            answer = None
        if answer is not None and answer.clinics:
            c = answer.clinics[0]
            clinic = c.model_dump(mode="json", include={"id", "name", "address", "phones_display", "tel", "eta_min",
                                                        "slots", "stale", "call_first", "location"})  # fmt: skip
    return AdviceOut(report_id=report_id, area=area, clinic=clinic, **advice.as_dict())


@routes.get("/surveillance/alerts", tags=["investigators"])
def get_alerts(
    sessions: SessionsDep,
    principal: InvestigatorDep,
    settings: SettingsDep,
    from_: Annotated[date | None, Query(alias="from", description="first day (YYYY-MM-DD)")] = None,
    to: Annotated[date | None, Query(description="last day (YYYY-MM-DD)")] = None,
    series: Annotated[str | None, Query(description="symptoms, fever or cases (default: all)")] = None,
) -> dict[str, Any]:
    """Warnings and alerts by area and day (investigator key), with each area's latest level and map geometry."""
    return list_alerts(sessions, principal, from_, to, series, settings.data_dir)


@routes.get("/surveillance/series", tags=["investigators"])
def get_series(
    sessions: SessionsDep,
    principal: InvestigatorDep,
    area: Annotated[CleanStr, Query(min_length=1, max_length=100, description="a district or an H3 cell")],
) -> dict[str, Any]:
    """One area's days per series: observed, expected, statistic, p-value and level (investigator key)."""
    return area_series(sessions, principal, area)
