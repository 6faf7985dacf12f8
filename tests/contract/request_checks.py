"""Judging only the request: for operations whose mock answers Prism itself finds wanting.

Prism reports violations of the *response* too (``sl-violations`` entries located at
``response...``) when a spec's own example answer breaks its schema, as the Azure 2024-10-21
spec's image and audio examples do. Those say nothing about what the connector sent.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from spec_checks import NO_RETRY, assert_valid, capture

from openai_connector import Connector, Result
from openai_connector.operations import registry


def request_valid(outcome: Result | BaseException) -> Result:
    """:func:`spec_checks.assert_valid`, ignoring Prism's complaints about its own answer."""
    if isinstance(outcome, Result) and outcome.ok and "sl-violations" in outcome.headers:
        found = json.loads(outcome.headers["sl-violations"])
        kept = [v for v in found if (v.get("location") or [""])[0] != "response"]
        headers = {k: v for k, v in outcome.headers.items() if k != "sl-violations"}
        if kept:
            headers["sl-violations"] = json.dumps(kept)
        outcome = dataclasses.replace(outcome, headers=headers)
    return assert_valid(outcome)


def run_request_valid(
    connection: dict[str, Any], operation: str, params: Any, *, post_process: bool = True
) -> Result:
    """Run ``operation`` (sync, no retries); assert Prism accepted the request.

    ``post_process=False`` runs it without its post-processing, for answers Prism can only
    fake (e.g. ``b64_json: "string"``, which is not base64).
    """
    declared = registry.get(operation)
    if not post_process:
        declared = dataclasses.replace(declared, post_process=None)
    with Connector(**{"retry": NO_RETRY, **connection}) as connector:
        return request_valid(capture(lambda: connector.run(declared, params)))
