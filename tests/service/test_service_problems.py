from __future__ import annotations

import pytest
from service_app import Service
from service_client import error_of

from openai_connector import errors
from openai_connector.service.problems import (
    STATUS_BY_CODE,
    status_of,
    status_of_connector_error,
)


def _codes(cls: type[errors.ConnectorError]) -> set[str]:
    found = {cls.code}
    for sub in cls.__subclasses__():
        found |= _codes(sub)
    return found


def test_every_code_the_service_answers_has_a_status_and_unknown_codes_are_500() -> None:
    assert all(400 <= status < 600 for status in STATUS_BY_CODE.values())
    assert status_of("no_such_code") == 500


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInput, 422),
        (errors.ConfigError, 422),
        (errors.SecretNotFound, 422),
        (errors.UnknownOperation, 404),
        (errors.ConnectionFailed, 502),
        (errors.RequestTimeout, 504),
        (errors.StreamInterrupted, 502),
        (errors.InvalidResponse, 502),
        (errors.BadRequest, 502),
        (errors.AuthenticationFailed, 502),
        (errors.RateLimited, 502),
        (errors.QuotaExceeded, 502),
        (errors.ServerError, 502),
    ],
)
def test_connector_errors_map_by_code(error: type[errors.ConnectorError], status: int) -> None:
    assert status_of_connector_error(error.code) == status


def test_every_connector_error_code_has_a_status() -> None:
    for code in _codes(errors.ConnectorError):
        assert 400 <= status_of_connector_error(code) < 600, code


def test_an_unexpected_failure_is_500_in_the_error_shape_and_logged_without_detail(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import text

    with service.store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO connectors (id, name, description, provider, config, tags, "
                "preconfigured, created, updated) VALUES ('x', 'broken', '', 'openai', "
                "'{not json', '[]', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    response = service.admin.get("/api/connectors")
    assert response.status_code == 500
    assert error_of(response) == {
        "code": "internal_error",
        "message": "the service failed; see its log",
    }
    assert "unexpected error on GET /api/connectors: JSONDecodeError" in caplog.text
