"""Images: generate from a prompt, edit with an optional mask, make variations.

The limits depend on the model, and are checked before anything is sent:

=================  ======  ========  =====================================  ===============
model              prompt  n         size                                   quality
=================  ======  ========  =====================================  ===============
dall-e-2           1000    1 to 10   256x256, 512x512, 1024x1024            standard
dall-e-3           4000    1         1024x1024, 1792x1024, 1024x1792        standard, hd
gpt-image-1 (...)  32000   1 to 10   auto, 1024x1024, 1536x1024, 1024x1536  low/medium/high
gpt-image-2        32000   1 to 10   auto or WIDTHxHEIGHT (multiples of 16)  low/medium/high
=================  ======  ========  =====================================  ===============

(``auto`` quality is accepted for every model.) Without a model, OpenAI generates with
dall-e-2, or with a GPT image model when a GPT-only option (background, moderation,
output_format, output_compression) is given. Other model names (OpenAI-compatible servers)
get only the general limits. On Azure (api 2024-10-21) the dall-e-3 limits apply, and only
generation is offered.

Images that come back as base64 (``response_format: b64_json``; GPT image models always) are
written to ``output_dir`` (checked, and made if missing, before the call is sent). Without an
``output_name`` each call picks names no other call uses (``image-20260102-150405-3fa2c1.png``,
numbered ``-1``, ``-2`` ... when there are several), so concurrent calls never write over each
other's images. With an ``output_name`` the files are ``name.png`` or ``name1.png``,
``name2.png`` ...; an existing file is refused before sending unless ``overwrite`` is true. The
result lists the absolute paths in ``extra["files"]``. The body stays exactly as the provider
sent it unless ``keep_b64`` is false, which drops each ``b64_json`` from the body. When an
image cannot be written (a full disk), :class:`~..errors.OutputWriteFailed` carries the whole
body, base64 included.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from ..errors import InvalidResponse
from ..local_files import LocalFiles, files_of
from ..result import Result
from .base import Context, Operation, RequestSpec, local, local_fields
from .downloads import (
    check_output_folder,
    check_output_name,
    refuse_existing,
    unique_stem,
    write_file,
)
from .extras import HttpInput
from .image_limits import (
    DALL_E_2,
    DALL_E_3,
    DALL_E_FILE_LIMIT,
    GPT_IMAGE,
    GPT_IMAGE_FILE_LIMIT,
    GPT_ONLY,
    MAX_EDIT_IMAGES,
    PROVIDER_RULES,
    file_problems,
    limit_problems,
    refuse,
    rules_for,
)
from .limits import ModelName
from .uploads import Upload, UploadSource, check_source, read_upload

SIZE_PATTERN = r"^(auto|\d{2,5}x\d{2,5})$"
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


# ---------------------------------------------------------------- inputs


class _ImageInput(HttpInput):
    """What every image operation shares: the output options."""

    model_config = ConfigDict(ser_json_bytes="base64")

    model: ModelName | None = Field(
        None,
        description="dall-e-2, dall-e-3, gpt-image-1 ...; on Azure the deployment name",
        json_schema_extra={"examples": ["dall-e-3", "dall-e-2", "gpt-image-1"]},
    )
    n: int | None = Field(None, ge=1, le=10, description="How many images: 1 to 10 (dall-e-3: 1)")
    response_format: Literal["url", "b64_json"] | None = Field(
        None, description="url (valid for 60 minutes) or b64_json (written to files)"
    )
    user: str | None = Field(None, description="Your end user's id, for abuse monitoring")
    output_dir: str = local(".", "Folder for images returned as b64_json (created if missing)")
    output_name: str | None = local(
        None,
        "Base name of the written images: name.png, or name1.png, name2.png ...; default: "
        "a name unique to the call (image-DATE-TIME-RANDOM.png)",
    )
    overwrite: bool = local(False, "Replace existing files named by output_name")
    keep_b64: bool = local(True, "Keep b64_json in the body (false: only the files hold them)")

    @field_validator("output_name")
    @classmethod
    def _plain_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        suffix = Path(value).suffix.lower()
        stem = Path(value).stem if suffix in (".png", ".jpg", ".jpeg", ".webp") else value
        if not stem.strip() or stem in (".", "..") or re.search(r"[/\\\x00]", stem):
            raise ValueError("give a plain file name without folders (use output_dir for those)")
        return stem


class _GptOptions(_ImageInput):
    quality: Literal["standard", "hd", "low", "medium", "high", "auto"] | None = Field(
        None, description="dall-e-3: standard or hd; GPT image models: low, medium, high"
    )
    background: Literal["transparent", "opaque", "auto"] | None = Field(
        None, description="GPT image models only"
    )
    output_format: Literal["png", "jpeg", "webp"] | None = Field(
        None, description="GPT image models only (default png)"
    )
    output_compression: int | None = Field(
        None, ge=0, le=100, description="GPT image models, jpeg or webp: 0 to 100 (%)"
    )


class GenerateInput(_GptOptions):
    prompt: str = Field(
        min_length=1,
        max_length=32000,
        description="What to draw: up to 1000 characters (dall-e-2), 4000 (dall-e-3), "
        "32000 (GPT image models)",
    )
    size: str | None = Field(
        None,
        pattern=SIZE_PATTERN,
        description="dall-e-2: 256x256, 512x512, 1024x1024; dall-e-3: 1024x1024, 1792x1024, "
        "1024x1792; GPT image models: auto, 1024x1024, 1536x1024, 1024x1536",
    )
    style: Literal["vivid", "natural"] | None = Field(None, description="dall-e-3 only")
    moderation: Literal["low", "auto"] | None = Field(None, description="GPT image models only")


def _check_image(value: UploadSource, files: LocalFiles) -> UploadSource:
    return check_source(value, GPT_IMAGE_FILE_LIMIT, files)


class EditInput(_GptOptions):
    image: UploadSource | list[UploadSource] = Field(
        description="The image to edit: a path, a data: URL or bytes; up to 50 MB (dall-e-2: "
        "4 MB); GPT image models: a list of up to 16"
    )
    mask: UploadSource | None = Field(
        None,
        description="PNG under 4 MB whose transparent areas show where to edit; same size as "
        "the image",
    )
    prompt: str = Field(
        min_length=1,
        max_length=32000,
        description="The edit: up to 1000 characters (dall-e-2), 32000 (GPT image models)",
    )
    size: str | None = Field(None, pattern=SIZE_PATTERN, description="As for images.generate")
    input_fidelity: Literal["high", "low"] | None = Field(
        None, description="GPT image models: how closely to keep the input's features"
    )

    @field_validator("image")
    @classmethod
    def _images(cls, value: UploadSource | list[UploadSource], info: ValidationInfo) -> Any:
        files = files_of(info.context)
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_EDIT_IMAGES:
                raise ValueError(f"give 1 to {MAX_EDIT_IMAGES} images")
            return [_check_image(item, files) for item in value]
        return _check_image(value, files)

    @field_validator("mask")
    @classmethod
    def _mask(cls, value: UploadSource | None, info: ValidationInfo) -> UploadSource | None:
        if value is None:
            return None
        return check_source(value, DALL_E_FILE_LIMIT, files_of(info.context))


class VariationInput(_ImageInput):
    image: UploadSource = Field(
        description="Square PNG under 4 MB: a path, a data: URL or bytes",
    )
    size: Literal["256x256", "512x512", "1024x1024"] | None = Field(
        None, description="256x256, 512x512 or 1024x1024"
    )

    @field_validator("image")
    @classmethod
    def _image(cls, value: UploadSource, info: ValidationInfo) -> UploadSource:
        return check_source(value, DALL_E_FILE_LIMIT, files_of(info.context))


# --------------------------------------------------------------- requests


def _fields(data: _ImageInput, *, exclude: set[str]) -> dict[str, Any]:
    skip = set(local_fields(type(data))) | exclude
    return data.model_dump(exclude_none=True, exclude=skip, mode="json")


def build_generate(data: GenerateInput, context: Context) -> RequestSpec:
    check_outputs(data, context.files)
    provider = context.provider
    if provider.image_rules is not None:  # the provider's rules, whatever the model's name
        fixed, hint = PROVIDER_RULES[provider.image_rules]
        refuse("images.generate", limit_problems(data, fixed), hint=hint)
        body = _fields(data, exclude=set())
        body["model"] = context.model(data.model)
        return RequestSpec("POST", json=body)
    rules = rules_for(data.model)
    if data.model is None and provider.documented_defaults:
        gpt = any(getattr(data, name, None) is not None for name in GPT_ONLY)
        rules = GPT_IMAGE if gpt else DALL_E_2
    if rules is not None:
        refuse("images.generate", limit_problems(data, rules))
    return RequestSpec("POST", json=_fields(data, exclude=set()))


def _image_name(field: str, index: int | None, content: bytes | None) -> str:
    """``image.png``, ``image2.jpg``, ``mask.png``: the name of an image sent without one."""
    kind = "png"
    if content is not None and content.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif content is not None and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        kind = "webp"
    return f"{field}{'' if index is None else index}.{kind}"


def _read_image(
    value: UploadSource, field: str, files: LocalFiles, index: int | None = None
) -> Upload:
    limit = DALL_E_FILE_LIMIT if field == "mask" else GPT_IMAGE_FILE_LIMIT
    if isinstance(value, str) and value.startswith("data:"):
        # the data: URL's type gives the extension
        name = f"{field}{'' if index is None else index}"
        return read_upload(value, field, default_name=name, limit=limit, files=files)
    content = value if isinstance(value, bytes) else None
    name = _image_name(field, index, content)
    return read_upload(value, field, default_name=name, limit=limit, files=files)


def build_edit(data: EditInput, context: Context) -> RequestSpec:
    rules = rules_for(data.model)
    if rules is DALL_E_3:
        refuse(
            "images.edit", [("model", "dall-e-3 cannot edit images: use dall-e-2 or gpt-image-1")]
        )
    if rules is not None:
        refuse("images.edit", limit_problems(data, rules))
    sources = data.image if isinstance(data.image, list) else [data.image]
    several = isinstance(data.image, list)
    images = [
        _read_image(source, "image", context.files, index + 1 if several else None)
        for index, source in enumerate(sources)
    ]
    mask = _read_image(data.mask, "mask", context.files) if data.mask is not None else None
    refuse("images.edit", file_problems(images, mask, rules))
    check_outputs(data, context.files)
    form: dict[str, Any] = _fields(data, exclude={"image", "mask"})
    if several:
        form["image[]"] = [upload.part() for upload in images]
    else:
        form["image"] = images[0].part()
    if mask is not None:
        form["mask"] = mask.part()
    return RequestSpec("POST", multipart=form)


def build_variation(data: VariationInput, context: Context) -> RequestSpec:
    rules = rules_for(data.model) or (DALL_E_2 if data.model is None else None)
    if rules is not None and rules is not DALL_E_2:
        refuse("images.variation", [("model", "only dall-e-2 makes variations")])
    if rules is not None:
        refuse("images.variation", limit_problems(data, rules))
    image = _read_image(data.image, "image", context.files)
    refuse("images.variation", file_problems([image], None, DALL_E_2))
    check_outputs(data, context.files)
    form: dict[str, Any] = _fields(data, exclude={"image"})
    form["image"] = image.part()
    return RequestSpec("POST", multipart=form)


# ---------------------------------------------------------------- results


def _names(stem: str, generated: bool, count: int) -> list[str]:
    """name, or name1, name2 ... (a generated name: stem-1, stem-2 ...)."""
    if count == 1:
        return [stem]
    dash = "-" if generated else ""
    return [f"{stem}{dash}{number}" for number in range(1, count + 1)]


def _writes(data: _ImageInput, files: LocalFiles) -> bool:
    """Whether images are written: not for URLs, nor where the policy allows no files and
    no folder or name was given (the images stay in the body as b64_json)."""
    if data.response_format == "url":
        return False
    if files.writes:
        return True
    if data.output_name is not None:
        files.output(data.output_name, "output_name")  # refused: names the field
    if "output_dir" in data.model_fields_set:
        files.output(data.output_dir, "output_dir")
    return False


def check_outputs(data: _ImageInput, files: LocalFiles) -> None:
    """Before sending: the folder can take the images, and no named file would be replaced."""
    if not _writes(data, files):
        return  # nothing is written
    folder = check_output_folder(data.output_dir, "output_dir", files=files)
    if data.output_name is None:
        return  # a name unique to the call is picked when writing
    extension = EXTENSIONS.get(getattr(data, "output_format", None) or "png", "png")
    for name in _names(data.output_name, False, data.n or 1):
        check_output_name(f"{name}.{extension}", "output_name")
        refuse_existing(folder / f"{name}.{extension}", "output_name", overwrite=data.overwrite)


def save_images(result: Result, data: _ImageInput, context: Context) -> Result:
    """Write base64 images to files; list their paths in ``extra["files"]``."""
    if not context.files.writes:
        return result  # no folder was named (else the call was refused before sending)
    body = result.body
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return result
    encoded = [
        item["b64_json"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("b64_json"), str)
    ]
    if not encoded:
        return result
    images: list[bytes] = []
    for text in encoded:
        try:
            images.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidResponse(
                "images: the provider sent b64_json that is not valid base64", result=result
            ) from None
    output_format = body.get("output_format") or getattr(data, "output_format", None)
    extension = EXTENSIONS.get(output_format or "png", "png")
    folder = context.files.output(data.output_dir, "output_dir")
    stem = data.output_name or unique_stem("image")
    files: list[str] = result.extra.setdefault("files", [])
    for number, name in enumerate(_names(stem, data.output_name is None, len(images))):
        path = folder / f"{name}.{extension}"
        write_file(path, images[number], result, overwrite=data.overwrite)
        files.append(str(path))
    if not data.keep_b64:
        result.body = {
            **body,
            "data": [
                {k: v for k, v in item.items() if k != "b64_json"}
                if isinstance(item, dict)
                else item
                for item in items
            ],
        }
    return result


OPERATIONS = (
    Operation(
        id="images.generate",
        summary="Generate images from a prompt (DALL-E, GPT image models); base64 ones to files",
        input=GenerateInput,
        method="POST",
        path="/images/generations",
        routed_by_model=True,
        keywords=("image", "images", "generate", "draw", "picture", "dall-e", "create", "png"),
        build=build_generate,
        post_process=save_images,
    ),
    Operation(
        id="images.edit",
        summary="Edit an image (with an optional mask) from a prompt",
        input=EditInput,
        method="POST",
        path="/images/edits",
        keywords=("image", "edit", "mask", "inpaint", "modify", "picture", "multipart"),
        build=build_edit,
        post_process=save_images,
    ),
    Operation(
        id="images.variation",
        summary="Make variations of a square PNG image (dall-e-2)",
        input=VariationInput,
        method="POST",
        path="/images/variations",
        keywords=("image", "variation", "variations", "similar", "picture", "multipart"),
        build=build_variation,
        post_process=save_images,
    ),
)
