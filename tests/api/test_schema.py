"""Property-based conformance: generated requests against the app's own OpenAPI schema.

Every endpoint is called with an admin key and with a viewer key, one operation at a time and
as stateful sequences that follow links between operations (a listed campaign is opened, its
targets paged with the returned cursor and exported; a started run is looked up). No answer may
be a 5xx, and each status, content type and body must be the one the schema documents.
Hypothesis is pinned below 6.131.15 (pyproject): schemathesis 3's stateful runner and its
JSON generator (hypothesis-jsonschema) call hypothesis internals that later releases renamed
or removed. Runtime is bounded by
``max_examples`` and ``stateful_step_count``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.deps import get_queue_run
from tests.api.conftest import bearer

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)  # fmt: skip
V1 = "/api/v1"
SETTINGS = settings(
    max_examples=10, deadline=None, derandomize=True, stateful_step_count=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)  # fmt: skip
# (source, target, parameters): how one answer feeds the next request.
LINKS = [
    ("/campaigns", "GET", "/campaigns/{campaign_id}", "GET",
     {"path.campaign_id": "$response.body#/items/0/id"}),
    ("/campaigns/{campaign_id}", "GET", "/campaigns/{campaign_id}/targets", "GET",
     {"path.campaign_id": "$response.body#/id"}),
    ("/campaigns/{campaign_id}/targets", "GET", "/campaigns/{campaign_id}/targets", "GET",
     {"path.campaign_id": "$response.body#/campaign_id",
      "query.cursor": "$response.body#/next_cursor"}),
    ("/campaigns/{campaign_id}", "GET", "/campaigns/{campaign_id}/targets.csv", "GET",
     {"path.campaign_id": "$response.body#/id"}),
    ("/runs", "GET", "/runs/{run_id}", "GET", {"path.run_id": "$response.body#/items/0/run_id"}),
]  # fmt: skip


@pytest.fixture()
def app_for_schema(api_app, db_with_campaigns):
    schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI writes OpenAPI 3.1
    api_app.dependency_overrides[get_queue_run] = lambda: lambda m, b, who: f"run-{m}"
    yield api_app
    api_app.dependency_overrides.clear()


@pytest.fixture()
def api_schema(app_for_schema):
    return schemathesis.from_asgi("/openapi.json", app_for_schema)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema_for_an_admin(case, admin_key):
    case.call_and_validate(headers=bearer(admin_key), checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema_for_a_viewer(case, viewer_key):
    case.call_and_validate(headers=bearer(viewer_key), checks=CHECKS)


def linked(app) -> schemathesis.BaseSchema:
    """The app's schema with :data:`LINKS` added."""
    linked_schema = schemathesis.from_asgi("/openapi.json", app)
    for i, (source, source_method, target, target_method, parameters) in enumerate(LINKS):
        linked_schema.add_link(
            source=linked_schema[V1 + source][source_method],
            target=linked_schema[V1 + target][target_method],
            status_code="200", parameters=parameters, name=f"link{i}",
        )  # fmt: skip
    return linked_schema


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_linked_sequences_conform_to_the_schema(app_for_schema, admin_key, viewer_key, role):
    key = admin_key if role == "admin" else viewer_key

    class Workflow(linked(app_for_schema).as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"headers": bearer(key)}

        def validate_response(self, response, case, additional_checks=()):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(SETTINGS, max_examples=40, stateful_step_count=10))
