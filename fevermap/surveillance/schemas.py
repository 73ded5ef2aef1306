"""Request schema of a resident's symptom report: symptoms from the rule set's list, temperature, onset, place.

Nothing that identifies the person is asked for. The place is either a point (WGS-84 degrees; it is kept only as its
H3 cell) or a district chosen from the region's list.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from fevermap.surveillance.triage import load_rules

MIN_TEMPERATURE_C = 34.0
MAX_TEMPERATURE_C = 43.0


class SymptomReportCreate(BaseModel):
    """An anonymous symptom report."""

    symptoms: list[str] = Field(default_factory=list, max_length=20, description="keys of the triage rule set")
    temperature_c: float | None = Field(
        default=None, ge=MIN_TEMPERATURE_C, le=MAX_TEMPERATURE_C, description="measured body temperature (degC)"
    )
    onset: date = Field(description="day the first symptom appeared (not in the future)")
    lon: float | None = Field(default=None, ge=-180, le=180, description="where you are: longitude, degrees")
    lat: float | None = Field(default=None, ge=-90, le=90, description="where you are: latitude, degrees")
    district: str | None = Field(default=None, min_length=1, max_length=100, description="or a district of the list")
    lang: Literal["zh-Hans", "en"] | None = Field(default=None, description="answer language (default: header)")

    @model_validator(mode="after")
    def _check(self) -> SymptomReportCreate:
        known = load_rules().symptoms
        unknown = sorted(set(self.symptoms) - set(known))
        if unknown:
            raise ValueError(f"unknown symptoms {', '.join(unknown)}: use {', '.join(known)}")
        if len(set(self.symptoms)) != len(self.symptoms):
            raise ValueError("a symptom is listed twice")
        has_point = self.lon is not None or self.lat is not None
        if has_point and (self.lon is None or self.lat is None):
            raise ValueError("give both lon and lat, or a district")
        if has_point == (self.district is not None):
            raise ValueError("give either a point (lon, lat) or a district, not both and not neither")
        return self


class AdviceOut(BaseModel):
    """The answer to a symptom report."""

    report_id: int
    area: str
    advice: str
    rule: str
    text: str
    go_to_clinic: bool
    call: str | None
    sources: list[dict[str, str | None]]
    clinic: dict[str, object] | None = None
