"""Fixtures of the risk tests: the bundled Shanghai 2022 address-days (the demo region's subset) as a risk engine."""

from __future__ import annotations

import pytest

from fevermap.config import PACKAGE_DATA_DIR
from fevermap.risk.engine import RiskEngine

SHANGHAI2022 = PACKAGE_DATA_DIR / "cases" / "shanghai2022"


@pytest.fixture(scope="session")
def sh_engine() -> RiskEngine:
    return RiskEngine.from_path(SHANGHAI2022)
