"""images.generate / images.edit / images.variation requests, validated against the specs.

OpenAI: all three (generate is JSON, edit and variation multipart). Azure 2024-10-21: only
generate (``/deployments/{deployment}/images/generations``); edit and variation are refused
before sending (tested below).

What the spec and Prism cannot validate, and why:

- **File contents.** A multipart file is ``format: binary``: Prism checks that the part is
  there, not that it is a PNG, square, under 4 MB, or that the mask matches the image. The
  connector checks those itself (tests/operations/test_images.py); here the files are real
  PNGs so the requests are also correct for the real API.
- **Several images for an edit.** The API takes them as repeated ``image[]`` parts (as the
  official SDK sends them). Prism cannot read repeated form fields as an array and does not
  know the ``image[]`` name, so it answers 422 "must have required property 'image'" (a test
  below records this). One image is sent as ``image`` and validates.
- **Unknown multipart fields.** Only JSON bodies are closed by ``spec_variants``; Prism
  accepts any extra form field, so a misspelt multipart field would not be caught here (the
  input models forbid unknown fields instead).
- **Per-model limits.** The spec leaves ``size`` a free string and ``prompt`` unbounded
  (its limits are in descriptions); only ``n`` 1-10 is machine-checked. Azure's spec does
  check n = 1, the dall-e-3 sizes, quality and style.
- **The answer.** Prism answers ``b64_json: "string"``, which is not base64, so writing image
  files cannot be exercised here: these tests run the operations without their
  post-processing (``save_images`` is tested against the scripted server). Prism also flags
  the Azure spec's own example answer (``created`` given as a string); such complaints about
  the *response* are ignored, only the request is judged.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import urllib3
from prism_mock import OPENAI_KEY, PrismServer
from request_checks import run_request_valid
from spec_checks import NO_RETRY, violations

from media_samples import png
from openai_connector import BadRequest, Connector, Result, UnsupportedOperation
from openai_connector.operations import registry

IMAGE, MASK = png(4, 4, (200, 30, 30)), png(4, 4, (0, 0, 0))


def run(connection: dict[str, Any], operation: str, params: dict[str, Any]) -> Result:
    return run_request_valid(connection, operation, params, post_process=False)


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    path.write_bytes(IMAGE)
    return path


# ---------------------------------------------------------------- generate


def test_generate_minimal_openai(openai_prism: dict[str, Any]) -> None:
    result = run(openai_prism, "images.generate", {"prompt": "A lighthouse at dusk"})
    assert "data" in result.body


def test_generate_full_dall_e_3_openai(openai_prism: dict[str, Any]) -> None:
    run(
        openai_prism,
        "images.generate",
        {
            "prompt": "A lighthouse at dusk",
            "model": "dall-e-3",
            "n": 1,
            "size": "1792x1024",
            "quality": "hd",
            "style": "natural",
            "response_format": "b64_json",
            "user": "user-1234",
        },
    )


def test_generate_full_gpt_image_openai(openai_prism: dict[str, Any]) -> None:
    run(
        openai_prism,
        "images.generate",
        {
            "prompt": "Two stickers",
            "model": "gpt-image-1",
            "n": 2,
            "size": "1024x1536",
            "quality": "high",
            "background": "transparent",
            "moderation": "low",
            "output_format": "webp",
            "output_compression": 80,
            "user": "user-1234",
        },
    )


def test_generate_minimal_azure(azure_prism: dict[str, Any]) -> None:
    run(azure_prism, "images.generate", {"model": "dalle3", "prompt": "A corgi in a field"})


def test_generate_full_azure(azure_prism: dict[str, Any]) -> None:
    run(
        azure_prism,
        "images.generate",
        {
            "model": "dalle3",
            "prompt": "A corgi in a field",
            "n": 1,
            "size": "1024x1792",
            "quality": "hd",
            "style": "vivid",
            "response_format": "b64_json",
            "user": "user123456",
        },
    )


# ---------------------------------------------------------------------- edit


def test_edit_minimal_openai(openai_prism: dict[str, Any], image_file: Path) -> None:
    run(openai_prism, "images.edit", {"image": str(image_file), "prompt": "Add a hat"})


def test_edit_full_dall_e_2_with_mask_openai(openai_prism: dict[str, Any]) -> None:
    run(
        openai_prism,
        "images.edit",
        {
            "image": IMAGE,
            "mask": MASK,
            "prompt": "Add a hat",
            "model": "dall-e-2",
            "n": 2,
            "size": "512x512",
            "response_format": "b64_json",
            "user": "user-1234",
        },
    )


def test_edit_full_gpt_image_openai(openai_prism: dict[str, Any], image_file: Path) -> None:
    run(
        openai_prism,
        "images.edit",
        {
            "image": str(image_file),
            "mask": MASK,
            "prompt": "Watercolour",
            "model": "gpt-image-1",
            "n": 1,
            "size": "1536x1024",
            "quality": "medium",
            "background": "opaque",
            "output_format": "jpeg",
            "output_compression": 70,
            "input_fidelity": "high",
            "user": "user-1234",
        },
    )


def test_several_edit_images_are_a_known_prism_gap(
    openai_prism: dict[str, Any], image_file: Path
) -> None:
    """Repeated ``image[]`` parts are what the API takes; Prism cannot read them."""
    declared = dataclasses.replace(registry.get("images.edit"), post_process=None)
    params = {"image": [str(image_file), IMAGE], "prompt": "Combine", "model": "gpt-image-1"}
    with (
        Connector(**openai_prism, retry=NO_RETRY) as connector,
        pytest.raises(BadRequest) as caught,
    ):
        connector.run(declared, params)
    result = caught.value.result
    assert result.status == 422
    found = violations(result.status, result.headers, result.body)
    assert any("image" in line for line in found), found


# ------------------------------------------------------------------ variation


def test_variation_minimal_openai(openai_prism: dict[str, Any], image_file: Path) -> None:
    run(openai_prism, "images.variation", {"image": str(image_file)})


def test_variation_full_openai(openai_prism: dict[str, Any]) -> None:
    run(
        openai_prism,
        "images.variation",
        {
            "image": IMAGE,
            "model": "dall-e-2",
            "n": 3,
            "size": "256x256",
            "response_format": "b64_json",
            "user": "user-1234",
        },
    )


@pytest.mark.parametrize("operation", ["images.edit", "images.variation"])
def test_azure_edit_and_variation_are_refused_before_sending(
    azure_prism: dict[str, Any],
    azure_prism_server: PrismServer,
    image_file: Path,
    operation: str,
) -> None:
    params = {"model": "dalle", "image": str(image_file)}
    if operation == "images.edit":
        params["prompt"] = "Add a hat"
    before = azure_prism_server.requests_received()
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation):
        connector.run(operation, params)
    assert azure_prism_server.requests_received() == before


# ----------------------------------------------------- the checks are live


def test_prism_validates_multipart_image_requests(openai_prism_server: PrismServer) -> None:
    """A multipart body breaking the spec (n = 11) gets 422, so the passes above mean it."""
    from urllib3.filepost import encode_multipart_formdata

    body, content_type = encode_multipart_formdata(
        [("image", ("a.png", IMAGE, "image/png")), ("n", "11")]
    )
    response = urllib3.request(
        "POST",
        openai_prism_server.url + "/images/variations",
        body=body,
        headers={"content-type": content_type, "authorization": f"Bearer {OPENAI_KEY}"},
        retries=False,
        timeout=30,
    )
    assert response.status == 422
    found = violations(422, dict(response.headers), response.json())
    assert any(line.startswith("body.n:") for line in found), found
