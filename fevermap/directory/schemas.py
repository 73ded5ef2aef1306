"""Public shapes of the directory (pydantic): entries with their phones, search pages, provinces and cities."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fevermap.geo.datum import Datum, parse_datum_field


class DirectoryPhonePublic(BaseModel):
    """One number: as published, and dialable (``tel``) when it is a valid number."""

    raw: str = Field(description="As published")
    e164: str | None = Field(description="E.164, or null when the published text is not a valid number")
    display: str
    tel: str | None = Field(description="RFC 3966 tel: URI (with ;ext= for an extension)")
    label: str = Field(description="Published label, e.g. 白天 / 夜间 or a campus")
    extension: str
    area_code_inferred: bool = Field(description="The area code was added from the city's numbering plan")


class DirectoryEntryPublic(BaseModel):
    """A clinic of the national 2020 list: no location; ``located`` once it became a located clinic (same id)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    phones: list[DirectoryPhonePublic]
    tel: str | None = Field(description="The first dialable number as a tel: URI")
    name: str
    province: str
    city: str
    county: str
    address: str | None
    hours: str | None = Field(description="Opening hours as published (free text)")
    designated: bool = Field(description="Designated hospital (定点医院) for confirmed cases")
    level: str | None
    source: str | None
    published: str | None = Field(description="Date of the published list (YYYY-MM-DD)")
    located: bool
    clinic_id: str | None


class DirectoryPage(BaseModel):
    """One page of search results, entries with a dialable phone first."""

    province: str | None
    city: str | None
    q: str | None
    total: int
    offset: int
    entries: list[DirectoryEntryPublic]
    note: str


class DirectoryCityPublic(BaseModel):
    code: str
    city: str
    entries: int = Field(description="Clinics the list gives for the city (0: the list has none)")


class DirectoryProvincePublic(BaseModel):
    province: str
    entries: int
    cities: list[DirectoryCityPublic]


class LocationCreate(BaseModel):
    """A cited location for a directory entry (WGS-84 unless ``datum`` says otherwise)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180.0, le=180.0)
    lat: float = Field(ge=-90.0, le=90.0)
    coord_source: str = Field(min_length=3, max_length=500, description="Where the location comes from (cite it)")
    datum: Annotated[Datum, BeforeValidator(parse_datum_field)] = Field(
        default="wgs84", description="wgs84, gcj02 or bd09 (aliases such as GCJ-02 accepted)"
    )
