"""Where fevermap's files are: the bundled demo data, the repository's data, and the cache of built regions.

The one place these locations are resolved, with their ``FEVERMAP_DATA_DIR`` / ``FEVERMAP_CACHE_DIR`` overrides;
:class:`fevermap.config.Settings` takes its defaults from here. Kept free of pydantic so that the routing path
(``fevermap route``) can find the demo region without importing the settings machinery (about 0.3 s).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package's own data (the demo OSM extract and clinic list, their provenance and licence): ships in the wheel.
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"
#: The repository's ``data/`` folder: test extracts and case data for tests, notebooks and benchmarks (only in a
#: checkout; the product never needs it).
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """Folder of the bundled demo data: ``FEVERMAP_DATA_DIR``, else :data:`PACKAGE_DATA_DIR`."""
    return Path(os.environ.get("FEVERMAP_DATA_DIR") or PACKAGE_DATA_DIR)


def cache_dir() -> Path:
    """Folder of built regions: ``FEVERMAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/fevermap`` or ``~/.cache/fevermap``."""
    if os.environ.get("FEVERMAP_CACHE_DIR"):
        return Path(os.environ["FEVERMAP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fevermap"
