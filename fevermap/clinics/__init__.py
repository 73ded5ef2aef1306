"""fevermap.clinics: the clinic registry and the nearest *available* clinic by driving time.

Modules: :mod:`~fevermap.clinics.schemas` (what goes in and out), :mod:`~fevermap.clinics.registry` (storage and live
status), :mod:`~fevermap.clinics.importers` (CSV/GeoJSON, GCJ-02), :mod:`~fevermap.clinics.phones`,
:mod:`~fevermap.clinics.hours`, :mod:`~fevermap.clinics.status` (freshness), :mod:`~fevermap.clinics.locator` (exact
driving-time ranking with a safe prefilter), :mod:`~fevermap.clinics.simulator` (labelled synthetic demo status),
:mod:`~fevermap.clinics.demo` (the bundled real list) and :mod:`~fevermap.clinics.service` (one call per command).
"""
