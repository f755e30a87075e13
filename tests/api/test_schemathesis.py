"""schemathesis against /api/v1/openapi.json with an admin token: no 5xx, no answer outside the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.registry import registry
from app.campaigns import save_campaign
from app.partner_import import import_partners_file
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import Content

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzzed_app(make_app: Callable[..., Flask], content: Content) -> Flask:
    """An app with the test partners and a campaign, so some generated ids exist; no rate limit in the way."""
    # Private webhook targets allowed: the subscription check would otherwise resolve the generated
    # host names in DNS, and tests send no traffic off this machine.
    app = make_app(
        API_RATE_LIMIT=1_000_000, WEBHOOK_SECRETS="prm=fuzz-secret", WEBHOOK_ALLOW_PRIVATE_TARGETS=True
    )
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []
    save_campaign(services, {"slug": "spring", "template": content.flyer, "brand_kit": content.kit})
    return app


MAX_EXAMPLES = 25
"""Generated cases per operation and mode: enough to find crashes, small enough for a ~1-minute run."""


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(fuzzed_app: Flask) -> None:
    # schemathesis' own pytest plugin (schema.parametrize) does not run on pytest 9 (it sets the
    # removed Function._nodeid), so drive each operation's Hypothesis strategy directly.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)
    headers = bearer(make_token(fuzzed_app.extensions["cobrand"]))
    failures: list[str] = []
    seen: set[str] = set()
    operations = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.add(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.generate])  # fmt: skip
            def run(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                seen.add(f"{response.status_code // 100}xx")

            try:
                run()
            except Exception as exc:  # ok: collect every operation's failure, then report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    # schemathesis leaves out the document's own path; every other route was exercised.
    assert operations == {
        f"{r.method} {r.path}" for r in registry.routes if r.endpoint != "api.openapi_document"
    }
    assert {"2xx", "4xx"} <= seen, seen
