"""The examples in the geo and tracing docstrings run and are right."""

from __future__ import annotations

import doctest

import pytest

from fevermap.geo import geodesy, spatial_index
from fevermap.tracing import legs


@pytest.mark.parametrize("module", [geodesy, spatial_index, legs])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, raise_on_error=False)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
