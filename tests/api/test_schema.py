"""Property-based conformance: generated requests against the app's own OpenAPI schema.

Every endpoint is called with a valid admin key (and every request sends it): no answer may
be a 5xx, and each status, content type and body must be the one the schema documents.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.deps import get_enqueue_run
from tests.api.conftest import bearer

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)  # fmt: skip


def _legacy_more(self) -> bool:
    """``many.more()`` as hypothesis-jsonschema 0.23 calls it, on Hypothesis' new ``many``.

    Hypothesis 6.170 replaced ``while elements.more():`` by ``with many(...)`` iteration, and
    hypothesis-jsonschema (schemathesis' generator for JSON objects) still calls ``more()``.
    """
    if self._depth is None:
        self.__enter__()
        self._legacy_iter = iter(self)
    if next(self._legacy_iter, False) is None:
        return True
    self.__exit__(None)
    return False


@pytest.fixture(autouse=True)
def _hypothesis_jsonschema_compat(monkeypatch):
    if not hasattr(conjecture_utils.many, "more"):
        monkeypatch.setattr(conjecture_utils.many, "more", _legacy_more, raising=False)


@pytest.fixture()
def api_schema(api_app, db_with_campaigns):
    schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI writes OpenAPI 3.1
    api_app.dependency_overrides[get_enqueue_run] = lambda: lambda m, b, who: f"run-{m}"
    yield schemathesis.from_asgi("/openapi.json", api_app)
    api_app.dependency_overrides.clear()


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)  # fmt: skip
def test_api_conforms_to_its_schema(case, admin_key):
    case.call_and_validate(headers=bearer(admin_key), checks=CHECKS)
