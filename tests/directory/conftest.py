"""Fixtures for the directory: the bundled national list."""

from __future__ import annotations

from fevermap.config import get_settings

NATIONAL = get_settings().data_dir / "clinics" / "cn_fever_clinics_20200211.json"
