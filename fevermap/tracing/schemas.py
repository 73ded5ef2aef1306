"""Request schemas of the service's tracing endpoints: declarations from residents, case tracks from investigators.

Every spatial field is WGS-84 degrees; times are ISO 8601 with an offset (a time without one is refused, it would be
ambiguous). List lengths are capped so that one request cannot exhaust a worker.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from fevermap.geo.datum import Datum, parse_datum_field, to_wgs84
from fevermap.textcheck import CleanStr, check_mapping
from fevermap.times import aware_utc

MAX_STOPS = 200
MAX_LEGS = 50
MAX_ANSWERS = 50
MAX_TEMPERATURES = 100
MAX_VISITS = 2000


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    aware_utc(value, "time")  # the one naive-datetime policy (fevermap.times): refused, naming the field
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"time {value.isoformat()} is outside 2000-01-01..2100-01-01")
    return value


def _sane_date(value: date) -> date:
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValueError(f"date {value.isoformat()} is outside 2000-01-01..2100-01-01")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Lon = Annotated[float, Field(ge=-180, le=180, description="longitude, degrees")]
Lat = Annotated[float, Field(ge=-90, le=90, description="latitude, degrees")]


class StopIn(BaseModel):
    """A place and the time spent there."""

    lon: Lon
    lat: Lat
    start: AwareDatetime
    end: AwareDatetime
    place: CleanStr | None = Field(default=None, max_length=200)
    radius_m: float | None = Field(default=None, ge=1, le=5000, description="case visits only: match radius (m)")
    datum: Annotated[Datum, BeforeValidator(parse_datum_field)] = Field(
        default="wgs84", description="wgs84, gcj02 or bd09 (aliases such as GCJ-02 accepted): converted on arrival"
    )

    @model_validator(mode="after")
    def _check(self) -> StopIn:
        if self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        if self.datum != "wgs84":
            lon, lat = to_wgs84(self.lon, self.lat, self.datum)
            self.lon, self.lat, self.datum = float(lon), float(lat), "wgs84"
        return self


class LegIn(BaseModel):
    """A trip on a numbered train or flight."""

    kind: Literal["train", "flight"]
    number: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")
    date: Annotated[date, AfterValidator(_sane_date)]
    carriage: int | None = Field(default=None, ge=1, le=99)
    seat: str | None = Field(default=None, max_length=8, pattern=r"^[0-9]{1,3}[A-Za-z]?$")


class TemperatureIn(BaseModel):
    time: AwareDatetime
    celsius: float = Field(ge=30, le=45)


class DeclarationCreate(BaseModel):
    """A resident's declaration (no account needed): contact details, community area, itinerary and answers."""

    name: CleanStr = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40, pattern=r"^[0-9+()\- ]+$")
    address: CleanStr = Field(default="", max_length=500)
    area: CleanStr = Field(min_length=1, max_length=100, description="community area (e.g. street office) for staff")
    stops: list[StopIn] = Field(default_factory=list, max_length=MAX_STOPS)
    legs: list[LegIn] = Field(default_factory=list, max_length=MAX_LEGS)
    contact_answers: Annotated[dict[str, str], AfterValidator(check_mapping)] = Field(
        default_factory=dict, max_length=MAX_ANSWERS
    )
    temperatures: list[TemperatureIn] = Field(default_factory=list, max_length=MAX_TEMPERATURES)


class CaseTrackCreate(BaseModel):
    """A confirmed case's track: visits (optional radius each) and transport legs."""

    id: CleanStr = Field(min_length=1, max_length=100)
    visits: list[StopIn] = Field(default_factory=list, max_length=MAX_VISITS)
    legs: list[LegIn] = Field(default_factory=list, max_length=MAX_LEGS)


class Receipt(BaseModel):
    receipt_id: str
    received_at: datetime
