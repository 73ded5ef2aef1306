"""schemathesis over the whole OpenAPI schema against the running service: no server errors, and every response
conforms to the schema (status codes documented, bodies of the declared shape)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from fevermap.access.keys import create_key
from fevermap.api.app import create_app
from fevermap.config import Settings

from .conftest import serve_in_thread


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    db = Path(tmp_path_factory.mktemp("fuzzdb")) / "fevermap.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{db}", declarations_per_minute=100000))
    with serve_in_thread(app) as base:
        key = create_key(app.state.sessions, "admin", label="schemathesis")
        yield base, key


EXAMPLES = int(os.environ.get("FEVERMAP_FUZZ_EXAMPLES", "25"))  # per operation; raise it for a deeper run


def test_api_conforms_and_never_errors(live: tuple[str, str]) -> None:
    base, key = live
    api = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for op in operations:
        strategy = op.as_strategy()

        @settings(
            max_examples=int(os.environ.get("FEVERMAP_FUZZ_EXAMPLES", "25")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            # positive_data_acceptance is left out: a schema-valid request may still be refused for what only the
            # domain can know (a point in the sea, an unknown id); the requirement is no 5xx and conforming answers.
            case.call_and_validate(headers={"X-API-Key": key}, excluded_checks=[checks.positive_data_acceptance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them together
            failures.append(f"{op.method.upper()} {op.path}: {exc}")
    assert not failures, "\n\n".join(failures)
