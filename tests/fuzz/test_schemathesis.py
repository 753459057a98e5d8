"""Schemathesis over the whole OpenAPI schema, as a clinic administrator and as the front desk:
every operation, with valid and invalid input, must answer without a server error and with a
status, content type, headers and body its schema documents.

Requests go to the Django WSGI app in-process against the real PostgreSQL and Redis, with the
path parameters pointing at the seeded clinic (tests/fuzz/conftest.py), so the fuzzer reaches
past "not found". Bounded and deterministic: a fixed seed, no example database, FUZZ_EXAMPLES
examples per operation and role (``make test`` uses the default; ``make fuzz`` runs longer).
A failing operation lists every distinct failure it met instead of stopping at the first."""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup

from config.wsgi import application
from tests.fuzz.conftest import LEDGER, ROLES, ServerErrorCause

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "20260309"))
# The coverage phase adds schemathesis' boundary and type-confusion cases (``make fuzz``).
COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid input and invalid input alike
            "max-examples": EXAMPLES,
            "database": "none",  # nothing replayed from an earlier run: same seed, same requests
            "with-security-parameters": False,  # the test sends each role's own token
        },
        "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    }
)


def _openapi() -> dict:
    """The schema exactly as ``/api/schema/`` serves it."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def app_in_test_transaction(environ, start_response):
    """The project's WSGI app, less the end-of-request closing of the database connection that
    would end the test's transaction (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(_openapi(), config=CONFIG)
schema.app = app_in_test_transaction


@pytest.fixture
def fuzz_failures():
    """This test's distinct failures; the conftest fails the test after its last example."""
    return {}


@pytest.mark.parametrize("role", list(ROLES))
@schema.parametrize()
# The clinic is made once per operation and role and shared by its examples, as a real server's
# database is shared by its requests.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_answers_as_its_schema_says(case, role, fuzz_clinic, db, fuzz_failures):
    names = {p.name for p in case.operation.path_parameters}
    real = fuzz_clinic.path_values(case.operation.path)
    case.path_parameters = {**(case.path_parameters or {}), **{k: v for k, v in real.items() if k in names}}
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        case.body = fuzz_clinic.with_real_ids(case.body)
    headers = {"Authorization": f"Token {fuzz_clinic.tokens[role]}"}
    ServerErrorCause.last = None
    response = case.call(headers=headers)
    LEDGER.record(case.operation.label, response.status_code)
    try:
        case.validate_response(response, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            check = type(failure).checks[0] if type(failure).checks else type(failure).__name__
            sent = case.method.upper()
            operation = (
                case.operation.label if sent == case.operation.method.upper() else f"{sent} on {case.operation.label}"
            )
            key = (check, operation, response.status_code, failure.title)
            example = f"as {role}: {case.method} {response.request.url} body={_short(case.body)}"
            example += f" -> {ServerErrorCause.last or _short(response.text)}"
            fuzz_failures.setdefault(key, example)
            LEDGER.failures.setdefault(key, example)


def _short(value, limit: int = 300) -> str:
    if isinstance(value, NotSet):
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"
