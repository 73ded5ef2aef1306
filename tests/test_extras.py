"""Optional backends live in extras (``[postgres]``, ``[dask]``, ``[notebook]``); a missing one is named."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _without(module: str, code: str) -> str:
    """Run ``code`` in a fresh interpreter where ``module`` cannot be imported; return its stderr."""
    script = f"import sys\nsys.modules[{module!r}] = None  # as if the extra were not installed\n{code}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    return done.stderr


@pytest.mark.parametrize(
    ("module", "code", "extra"),
    [
        (
            "psycopg",
            "from fevermap.db.engine import make_engine\nmake_engine('postgresql://u:p@127.0.0.1/db')",
            "postgres",
        ),
        ("dask", "import fevermap.tracing.dask_runner", "dask"),
        ("geopandas", "from fevermap.frames import to_geodataframe\nto_geodataframe([])", "notebook"),
    ],
)
def test_missing_extra_is_named(module: str, code: str, extra: str) -> None:
    err = _without(module, code)
    assert "MissingExtraError" in err and f"pip install 'fevermap[{extra}]'" in err, err
