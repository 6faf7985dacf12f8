"""images.generate / images.edit / images.variation: requests, files written, limits refused."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from media_samples import PNG_SIGNATURE, png, png_pixels
from multipart_form import FilePart, form_dict, form_fields
from openai_connector import (
    AuthenticationFailed,
    Connector,
    InvalidInput,
    UnsupportedOperation,
)
from openai_connector.errors import BadRequest, InvalidResponse
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"
RED, BLUE = png(2, 2, (255, 0, 0)), png(2, 2, (0, 0, 255))
TOO_BIG_PNG = PNG_SIGNATURE + b"\x00" * (4 * 1024 * 1024)


def images_body(*images: bytes, **extra: Any) -> dict[str, Any]:
    data = [{"b64_json": base64.b64encode(image).decode()} for image in images]
    return {"created": 1700000000, "data": data, **extra}


URL_BODY = {"created": 1700000000, "data": [{"url": "https://files.example/img.png"}]}


@pytest.fixture
def azure(server: ScriptedServer) -> dict[str, Any]:
    return {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}


def refused(connection: dict[str, Any], operation: str, params: dict[str, Any]) -> InvalidInput:
    with Connector(**connection) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, params)
    return caught.value


# ------------------------------------------------------------------ generate


def test_generate_minimal_sends_only_the_prompt(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json=URL_BODY))
    result = face.run(
        "images.generate", {"prompt": "a red square", "output_dir": str(tmp_path)}, **openai
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/images/generations")
    assert sent.json == {"prompt": "a red square"}
    assert result.body == URL_BODY
    assert "files" not in result.extra
    assert list(tmp_path.iterdir()) == []


def test_generate_all_dall_e_3_parameters(openai: dict[str, Any], server: ScriptedServer) -> None:
    server.script(Reply(json=URL_BODY))
    params = {
        "prompt": "a lighthouse at dusk",
        "model": "dall-e-3",
        "n": 1,
        "size": "1792x1024",
        "quality": "hd",
        "style": "natural",
        "response_format": "url",
        "user": "user-42",
    }
    with Connector(**openai) as connector:
        connector.run("images.generate", {**params, "output_dir": "unused"})
    assert server.requests[0].json == params


def test_generate_gpt_image_options_and_files_named_by_output_format(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json=images_body(b"RIFF-one", b"RIFF-two", output_format="webp")))
    params = {
        "prompt": "two stickers",
        "model": "gpt-image-1",
        "n": 2,
        "size": "1536x1024",
        "quality": "high",
        "background": "transparent",
        "moderation": "low",
        "output_format": "webp",
        "output_compression": 80,
    }
    with Connector(**openai) as connector:
        result = connector.run(
            "images.generate", {**params, "output_dir": str(tmp_path), "output_name": "sticker"}
        )
    assert server.requests[0].json == params
    assert result.extra["files"] == [
        str(tmp_path / "sticker1.webp"),
        str(tmp_path / "sticker2.webp"),
    ]
    assert (tmp_path / "sticker2.webp").read_bytes() == b"RIFF-two"


def test_b64_json_images_are_written_as_decodable_pngs_with_indexed_names(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    body = images_body(RED, BLUE)
    server.script(Reply(json=body))
    folder = tmp_path / "out" / "nested"
    result = face.run(
        "images.generate",
        {
            "prompt": "squares",
            "n": 2,
            "response_format": "b64_json",
            "output_dir": str(folder),
            "output_name": "square",
        },
        **openai,
    )
    first, second = folder / "square1.png", folder / "square2.png"
    assert result.extra["files"] == [str(first), str(second)]
    assert sorted(p.name for p in folder.iterdir()) == ["square1.png", "square2.png"]
    for path, expected, colour in ((first, RED, b"\xff\x00\x00"), (second, BLUE, b"\x00\x00\xff")):
        written = path.read_bytes()
        assert written.startswith(PNG_SIGNATURE)
        assert written == expected
        assert png_pixels(written) == (2, 2, (b"\x00" + colour * 2) * 2)
    assert result.body == body, "the body stays exactly as the provider sent it"


def test_a_single_image_has_no_index_and_a_png_suffix_in_the_name_is_not_doubled(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json=images_body(RED)))
    with Connector(**openai) as connector:
        result = connector.run(
            "images.generate",
            {
                "prompt": "a square",
                "response_format": "b64_json",
                "output_dir": str(tmp_path),
                "output_name": "cat.png",
            },
        )
    assert result.extra["files"] == [str(tmp_path / "cat.png")]
    assert (tmp_path / "cat.png").read_bytes() == RED


def test_images_go_to_the_current_folder_by_default(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.script(Reply(json=images_body(RED)))
    with Connector(**openai) as connector:
        result = connector.run("images.generate", {"prompt": "x", "response_format": "b64_json"})
    [written] = tmp_path.iterdir()
    assert re.fullmatch(r"image-\d{8}-\d{6}-[0-9a-f]{6}\.png", written.name)
    assert result.extra["files"] == [str(tmp_path.resolve() / written.name)]
    assert written.read_bytes() == RED


def test_keep_b64_false_drops_the_base64_from_the_body_only(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    body = images_body(RED)
    body["data"][0]["revised_prompt"] = "a red square, flat"
    server.script(Reply(json=body))
    with Connector(**openai) as connector:
        result = connector.run(
            "images.generate",
            {
                "prompt": "x",
                "model": "dall-e-3",
                "response_format": "b64_json",
                "output_dir": str(tmp_path),
                "keep_b64": False,
            },
        )
    assert result.body == {
        "created": 1700000000,
        "data": [{"revised_prompt": "a red square, flat"}],
    }
    assert Path(result.extra["files"][0]).read_bytes() == RED
    assert "output_dir" not in server.requests[0].json
    assert "keep_b64" not in server.requests[0].json


def test_generate_error_status_writes_nothing(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    error = {
        "error": {
            "message": "Your request was rejected by the safety system.",
            "type": "invalid_request_error",
            "param": None,
            "code": "content_policy_violation",
        }
    }
    server.script(Reply(400, json=error))
    with pytest.raises(BadRequest) as caught:
        face.run(
            "images.generate",
            {"prompt": "x", "response_format": "b64_json", "output_dir": str(tmp_path)},
            **openai,
        )
    assert caught.value.status == 400
    assert caught.value.result.body == error
    assert "content_policy_violation" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_broken_base64_in_the_answer_is_an_invalid_response(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json={"created": 1, "data": [{"b64_json": "not base64!"}]}))
    with Connector(**openai) as connector, pytest.raises(InvalidResponse):
        connector.run(
            "images.generate",
            {"prompt": "x", "response_format": "b64_json", "output_dir": str(tmp_path)},
        )
    assert list(tmp_path.iterdir()) == []


GENERATE_LIMITS = [
    ({"prompt": "x" * 1001}, "prompt"),
    ({"prompt": "x" * 1001, "model": "dall-e-2"}, "prompt"),
    ({"prompt": "x" * 4001, "model": "dall-e-3"}, "prompt"),
    ({"prompt": "x" * 32001, "model": "gpt-image-1"}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({"prompt": "x", "n": 0}, "n"),
    ({"prompt": "x", "n": 11}, "n"),
    ({"prompt": "x", "n": 2, "model": "dall-e-3"}, "n"),
    ({"prompt": "x", "size": "1792x1024"}, "size"),
    ({"prompt": "x", "size": "512x512", "model": "dall-e-3"}, "size"),
    ({"prompt": "x", "size": "256x256", "model": "gpt-image-1"}, "size"),
    ({"prompt": "x", "size": "1000x1000", "model": "gpt-image-2"}, "size"),
    ({"prompt": "x", "size": "3840x1024", "model": "gpt-image-2"}, "size"),
    ({"prompt": "x", "size": "big"}, "size"),
    ({"prompt": "x", "quality": "hd", "model": "dall-e-2"}, "quality"),
    ({"prompt": "x", "quality": "high", "model": "dall-e-3"}, "quality"),
    ({"prompt": "x", "quality": "ultra"}, "quality"),
    ({"prompt": "x", "style": "vivid", "model": "dall-e-2"}, "style"),
    ({"prompt": "x", "style": "bold", "model": "dall-e-3"}, "style"),
    ({"prompt": "x", "response_format": "png"}, "response_format"),
    ({"prompt": "x", "response_format": "url", "model": "gpt-image-1"}, "response_format"),
    ({"prompt": "x", "background": "transparent", "model": "dall-e-3"}, "background"),
    ({"prompt": "x", "output_compression": 101, "model": "gpt-image-1"}, "output_compression"),
    ({"prompt": "x", "output_name": "a/b"}, "output_name"),
    ({"prompt": "x", "output_name": ".."}, "output_name"),
    ({"prompt": "x", "negative_prompt": "dogs"}, "negative_prompt"),
]


@pytest.mark.parametrize(("params", "field"), GENERATE_LIMITS)
def test_generate_limits_are_refused_before_sending(
    openai: dict[str, Any], server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    error = refused(openai, "images.generate", params)
    assert error.field == field
    assert field in str(error)
    assert server.requests == []


def test_gpt_image_2_takes_free_sizes_and_unknown_models_only_general_limits(
    server: ScriptedServer,
) -> None:
    compatible = {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-t"}
    with Connector(**compatible) as connector:
        connector.run(
            "images.generate", {"prompt": "x", "model": "gpt-image-2", "size": "1536x864"}
        )
        connector.run("images.generate", {"prompt": "y" * 2000, "size": "768x768"})
        connector.run("images.generate", {"prompt": "z", "model": "flux-dev", "style": "vivid"})
    assert [r.json.get("size") for r in server.requests] == ["1536x864", "768x768", None]


def test_generate_on_azure_uses_the_deployment_and_leaves_model_out(
    azure: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json=images_body(RED)))
    with Connector(**azure) as connector:
        result = connector.run(
            "images.generate",
            {
                "model": "my-dalle",
                "prompt": "a fox",
                "size": "1024x1792",
                "quality": "standard",
                "style": "vivid",
                "response_format": "b64_json",
                "user": "u1",
                "output_dir": str(tmp_path),
            },
        )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/my-dalle/images/generations"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == AZURE_KEY
    assert sent.json == {
        "prompt": "a fox",
        "size": "1024x1792",
        "quality": "standard",
        "style": "vivid",
        "response_format": "b64_json",
        "user": "u1",
    }
    [written] = tmp_path.iterdir()
    assert written.read_bytes() == RED
    assert result.extra["files"] == [str(written)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"n": 2}, "n"),
        ({"size": "512x512"}, "size"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"quality": "auto"}, "quality"),
        ({"background": "opaque"}, "background"),
    ],
)
def test_azure_generate_limits_are_refused_before_sending(
    azure: dict[str, Any], server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    error = refused(azure, "images.generate", {"model": "dalle", "prompt": "x", **params})
    assert error.field == field
    assert server.requests == []


@pytest.mark.parametrize("operation", ["images.edit", "images.variation"])
def test_azure_has_no_edits_or_variations(
    azure: dict[str, Any], server: ScriptedServer, tmp_path: Path, operation: str
) -> None:
    image = tmp_path / "in.png"
    image.write_bytes(RED)
    params: dict[str, Any] = {"model": "dalle", "image": str(image)}
    if operation == "images.edit":
        params["prompt"] = "x"
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run(operation, params)
    assert "2024-10-21" in str(caught.value)
    assert server.requests == []


# ---------------------------------------------------------------------- edit


def test_edit_minimal_sends_the_image_file_unchanged(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    image = tmp_path / "room.png"
    image.write_bytes(RED)
    server.script(Reply(json=URL_BODY))
    result = face.run("images.edit", {"image": str(image), "prompt": "add a cat"}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/images/edits")
    assert form_dict(sent) == {
        "prompt": "add a cat",
        "image": FilePart("room.png", RED, "image/png"),
    }
    assert result.body == URL_BODY


def test_edit_all_dall_e_2_parameters_with_mask_and_files_written(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    image, mask = png(4, 4), png(4, 4, (0, 0, 0))
    server.script(Reply(json=images_body(RED, BLUE)))
    with Connector(**openai) as connector:
        result = connector.run(
            "images.edit",
            {
                "image": image,
                "mask": mask,
                "prompt": "paint it",
                "model": "dall-e-2",
                "n": 2,
                "size": "512x512",
                "response_format": "b64_json",
                "user": "user-7",
                "output_dir": str(tmp_path),
                "output_name": "edit",
            },
        )
    assert form_dict(server.requests[0]) == {
        "model": "dall-e-2",
        "n": "2",
        "response_format": "b64_json",
        "user": "user-7",
        "prompt": "paint it",
        "size": "512x512",
        "image": FilePart("image.png", image, "image/png"),
        "mask": FilePart("mask.png", mask, "image/png"),
    }
    assert [Path(p).name for p in result.extra["files"]] == ["edit1.png", "edit2.png"]
    assert (tmp_path / "edit1.png").read_bytes() == RED


def test_edit_several_images_for_gpt_image_models(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    first = tmp_path / "soap.png"
    first.write_bytes(RED)
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg" + bytes(range(256))
    data_url = "data:image/webp;base64," + base64.b64encode(b"RIFF\x00\x00\x00\x00WEBP").decode()
    server.script(Reply(json=images_body(BLUE)))
    with Connector(**openai) as connector:
        connector.run(
            "images.edit",
            {
                "image": [str(first), jpeg, data_url],
                "prompt": "a gift basket",
                "model": "gpt-image-1",
                "quality": "medium",
                "background": "opaque",
                "output_format": "png",
                "output_compression": 90,
                "input_fidelity": "high",
                "size": "1024x1536",
                "output_dir": str(tmp_path / "out"),
            },
        )
    fields = form_fields(server.requests[0])
    images = [value for name, value in fields if name == "image[]"]
    assert images == [
        FilePart("soap.png", RED, "image/png"),
        FilePart("image2.jpg", jpeg, "image/jpeg"),
        FilePart("image3.webp", b"RIFF\x00\x00\x00\x00WEBP", "image/webp"),
    ]
    plain = {name: value for name, value in fields if name != "image[]"}
    assert plain == {
        "model": "gpt-image-1",
        "quality": "medium",
        "background": "opaque",
        "output_format": "png",
        "output_compression": "90",
        "prompt": "a gift basket",
        "size": "1024x1536",
        "input_fidelity": "high",
    }


def test_edit_error_status(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.script(Reply(401, json={"error": {"message": "bad key", "code": "invalid_api_key"}}))
    with pytest.raises(AuthenticationFailed):
        face.run("images.edit", {"image": RED, "prompt": "x"}, **openai)
    assert len(server.requests) == 1


EDIT_LIMITS: list[tuple[dict[str, Any], str]] = [
    ({"image": b"GIF89a...", "model": "dall-e-2"}, "image"),
    ({"image": png(4, 2), "model": "dall-e-2"}, "image"),
    ({"image": [RED, BLUE], "model": "dall-e-2"}, "image"),
    ({"image": [RED] * 17, "model": "gpt-image-1"}, "image"),
    ({"image": []}, "image"),
    ({"image": b""}, "image"),
    ({"image": "/no/such/folder/missing.png"}, "image"),
    ({"image": "data:image/png;base64,@@@"}, "image"),
    ({"image": TOO_BIG_PNG, "model": "dall-e-2"}, "image"),
    ({"image": RED, "mask": png(4, 4)}, "mask"),
    ({"image": RED, "mask": b"not a png"}, "mask"),
    ({"image": RED, "mask": TOO_BIG_PNG}, "mask"),
    ({"image": RED, "model": "dall-e-3"}, "model"),
    ({"image": RED, "model": "dall-e-2", "prompt": "x" * 1001}, "prompt"),
    ({"image": RED, "model": "dall-e-2", "size": "1536x1024"}, "size"),
    ({"image": RED, "model": "gpt-image-1", "response_format": "b64_json"}, "response_format"),
    ({"image": RED, "n": 11}, "n"),
    ({"image": RED, "input_fidelity": "max"}, "input_fidelity"),
]


@pytest.mark.parametrize(("params", "field"), EDIT_LIMITS)
def test_edit_limits_are_refused_before_sending(
    openai: dict[str, Any], server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    error = refused(openai, "images.edit", {"prompt": "edit", **params})
    assert error.field == field
    assert server.requests == []


# ------------------------------------------------------------------ variation


def test_variation_minimal(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.script(Reply(json=URL_BODY))
    result = face.run("images.variation", {"image": RED}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/images/variations")
    assert form_dict(sent) == {"image": FilePart("image.png", RED, "image/png")}
    assert result.body == URL_BODY


def test_variation_all_parameters_writes_the_images(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    source = tmp_path / "logo.png"
    source.write_bytes(BLUE)
    server.script(Reply(json=images_body(RED, BLUE, RED)))
    with Connector(**openai) as connector:
        result = connector.run(
            "images.variation",
            {
                "image": str(source),
                "model": "dall-e-2",
                "n": 3,
                "size": "256x256",
                "response_format": "b64_json",
                "user": "u",
                "output_dir": str(tmp_path / "vars"),
                "output_name": "logo",
            },
        )
    assert form_dict(server.requests[0]) == {
        "model": "dall-e-2",
        "n": "3",
        "response_format": "b64_json",
        "user": "u",
        "size": "256x256",
        "image": FilePart("logo.png", BLUE, "image/png"),
    }
    assert [Path(p).name for p in result.extra["files"]] == ["logo1.png", "logo2.png", "logo3.png"]
    assert (tmp_path / "vars" / "logo3.png").read_bytes() == RED


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": "1792x1024"}, "size"),
        ({"model": "dall-e-3"}, "model"),
        ({"n": 11}, "n"),
        ({"image": png(4, 2)}, "image"),
        ({"image": b"\xff\xd8\xff\xe0jpeg"}, "image"),
        ({"image": TOO_BIG_PNG}, "image"),
        ({"prompt": "a variation has no prompt"}, "prompt"),
    ],
)
def test_variation_limits_are_refused_before_sending(
    openai: dict[str, Any], server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    error = refused(openai, "images.variation", {"image": RED, **params})
    assert error.field == field
    assert server.requests == []


def test_without_a_model_a_gpt_only_option_means_gpt_image_limits(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    with Connector(**openai) as connector:
        connector.run("images.generate", {"prompt": "x" * 1500, "background": "transparent"})
    assert server.requests[0].json == {"prompt": "x" * 1500, "background": "transparent"}
    error = refused(
        openai, "images.generate", {"prompt": "x", "background": "opaque", "style": "vivid"}
    )
    assert error.field == "style"
    assert len(server.requests) == 1
