"""Public views of clinics: what the public sees of a clinic and its status, and the clinics as GeoJSON.

The one place where a :class:`~fevermap.clinics.records.ClinicRecord` becomes a
:class:`~fevermap.clinics.schemas.ClinicPublic` (status freshness, ``open_now``) and where clinics become a GeoJSON
FeatureCollection (``[lon, lat]`` Points) for maps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from fevermap.clinics.hours import is_open
from fevermap.clinics.phones import display_phone, tel_uri
from fevermap.clinics.records import ClinicRecord, require_aware
from fevermap.clinics.schemas import ClinicPublic
from fevermap.clinics.status import status_view


def public_view(record: ClinicRecord, stale_after_s: float, *, now: datetime | None = None) -> ClinicPublic:
    """The public view of ``record`` at ``now`` (status freshness; ``open_now`` in the clinic's time zone)."""
    now = require_aware(now or datetime.now(UTC), "now")
    tz = record.timezone
    return ClinicPublic(
        id=record.id,
        region=record.region,
        timezone=record.timezone,
        name=record.name,
        kind=record.kind,  # type: ignore[arg-type]
        address=record.address,
        district=record.district,
        phones=list(record.phones),
        phones_display=[display_phone(p) for p in record.phones],
        tel=tel_uri(record.phones[0]) if record.phones else None,
        lon=record.lon,
        lat=record.lat,
        opening_hours=record.opening_hours,
        night_emergency=record.night_emergency,
        source=record.source,
        extra=record.extra,
        status=status_view(record.status, now, stale_after_s, tz),
        open_now=is_open(record.opening_hours, now, tz),
    )


def clinics_geojson(clinics: Iterable[ClinicPublic]) -> dict[str, Any]:
    """Clinics as a GeoJSON FeatureCollection of Points (``[lon, lat]``) with what a map shows of each."""
    features = []
    for c in clinics:
        s = c.status
        props = {
            "id": c.id,
            "name": c.name,
            "address": c.address,
            "phones": c.phones,
            "phones_display": c.phones_display,
            "tel": c.tel,
            "night_emergency": c.night_emergency,
            "slots": s.slots,
            "stale": s.stale,
            "updated_at": s.updated_at.isoformat() if s.updated_at else None,
            "simulated": s.simulated,
        }
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                         "properties": props})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}
