"""Which clinics count for a query: the locator's filters (slots, opening hours, night service, strictness, time).

One definition for ``/clinics/nearest``, the catchments and the coverage (HTTP and CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fevermap.times import parse_instant


@dataclass(frozen=True)
class Filters:
    """Which clinics count: the locator's filters, judged at ``time`` (ISO 8601; default now)."""

    with_slots: bool = False
    open_now: bool = False
    night: bool = False
    strict: bool = False
    time: str | None = None

    def echo(self) -> dict[str, Any]:
        return {"with_slots": self.with_slots, "open_now": self.open_now, "night": self.night, "strict": self.strict}

    def locator_kwargs(self, time_name: str = "time") -> dict[str, Any]:
        """The keyword arguments of :meth:`fevermap.clinics.locator.ClinicLocator.nearest` and of
        :func:`fevermap.care.sites.clinic_sites`: the filters and ``at``, the parsed time (``None``: now);
        ``time_name`` is how an error names the time (``--time`` on the CLI).

        Raises
        ------
        InputError
            For a time without a UTC offset or not in ISO 8601.
        """
        return {"with_slots": self.with_slots, "open_now": self.open_now, "night": self.night,
                "strict": self.strict, "at": parse_instant(self.time, time_name)}  # fmt: skip
