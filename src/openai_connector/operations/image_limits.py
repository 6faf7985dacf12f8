"""What each image model accepts: prompt length, count, sizes, qualities, input files.

Used by :mod:`.images` to refuse input before anything is sent; the table is in its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import InvalidInput
from .uploads import Upload, png_size

MB = 1024 * 1024
DALL_E_FILE_LIMIT = 4 * MB
GPT_IMAGE_FILE_LIMIT = 50 * MB
MAX_EDIT_IMAGES = 16
GPT_ONLY = ("background", "moderation", "output_format", "output_compression", "input_fidelity")


@dataclass(frozen=True, slots=True)
class ImageRules:
    """What one image model accepts."""

    label: str
    prompt_max: int
    n_max: int
    sizes: tuple[str, ...] | None
    """None: any WIDTHxHEIGHT with both sides multiples of 16 (gpt-image-2)."""
    qualities: tuple[str, ...]
    style: bool = False
    response_format: bool = True
    gpt_options: bool = False
    images_max: int = 1
    file_limit: int = DALL_E_FILE_LIMIT


DALL_E_2 = ImageRules(
    "dall-e-2", 1000, 10, ("256x256", "512x512", "1024x1024"), ("standard", "auto")
)
DALL_E_3 = ImageRules(
    "dall-e-3",
    4000,
    1,
    ("1024x1024", "1792x1024", "1024x1792"),
    ("standard", "hd", "auto"),
    style=True,
)
GPT_IMAGE = ImageRules(
    "the GPT image models",
    32000,
    10,
    ("auto", "1024x1024", "1536x1024", "1024x1536"),
    ("low", "medium", "high", "auto"),
    response_format=False,
    gpt_options=True,
    images_max=MAX_EDIT_IMAGES,
    file_limit=GPT_IMAGE_FILE_LIMIT,
)
GPT_IMAGE_2 = replace(GPT_IMAGE, label="gpt-image-2", sizes=None)
AZURE = replace(DALL_E_3, label="Azure OpenAI (api 2024-10-21)", qualities=("standard", "hd"))

PROVIDER_RULES = {"azure": (AZURE, "Azure runs dall-e-3")}
"""Rules a provider applies to every call (``Provider.image_rules``), with a hint."""


def rules_for(model: str | None) -> ImageRules | None:
    """The rules of a known model family; None for names this package does not know."""
    name = (model or "").lower()
    if name.startswith("dall-e-2"):
        return DALL_E_2
    if name.startswith("dall-e-3"):
        return DALL_E_3
    if name.startswith("gpt-image-2"):
        return GPT_IMAGE_2
    if name.startswith(("gpt-image", "chatgpt-image")):
        return GPT_IMAGE
    return None


def _free_size_problem(size: str) -> str | None:
    if size == "auto":
        return None
    width, height = (int(side) for side in size.split("x"))
    if width % 16 or height % 16:
        return "width and height must be multiples of 16"
    if max(width, height) > 3 * min(width, height):
        return "the aspect ratio must be between 1:3 and 3:1"
    if max(width, height) > 3840 or width * height > 3840 * 2160:
        return "the largest size is 3840x2160"
    return None


def limit_problems(data: Any, rules: ImageRules) -> list[tuple[str, str]]:
    """(field, message) for every value ``rules`` refuses."""
    label = rules.label
    problems: list[tuple[str, str]] = []
    prompt = getattr(data, "prompt", None)
    if prompt is not None and len(prompt) > rules.prompt_max:
        problems.append(
            ("prompt", f"{label} takes at most {rules.prompt_max} characters, not {len(prompt)}")
        )
    if data.n is not None and data.n > rules.n_max:
        many = "1 image" if rules.n_max == 1 else f"{rules.n_max} images"
        problems.append(("n", f"{label} makes at most {many} per call"))
    if data.size is not None:
        if rules.sizes is not None and data.size not in rules.sizes:
            problems.append(("size", f"{label} makes {', '.join(rules.sizes)}"))
        elif rules.sizes is None and (why := _free_size_problem(data.size)):
            problems.append(("size", f"{label}: {why}"))
    quality = getattr(data, "quality", None)
    if quality is not None and quality not in rules.qualities:
        problems.append(("quality", f"{label} takes quality {', '.join(rules.qualities)}"))
    if getattr(data, "style", None) is not None and not rules.style:
        problems.append(("style", f"only dall-e-3 takes a style, not {label}"))
    if data.response_format is not None and not rules.response_format:
        problems.append(
            ("response_format", f"{label} always return b64_json: leave response_format out")
        )
    if not rules.gpt_options:
        for name in GPT_ONLY:
            if getattr(data, name, None) is not None:
                problems.append((name, f"only the GPT image models take {name}, not {label}"))
    return problems


def refuse(operation: str, problems: list[tuple[str, str]], hint: str | None = None) -> None:
    """Raise InvalidInput naming the first problem's field (all are in ``errors``)."""
    if not problems:
        return
    field, message = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise InvalidInput(
        f"{operation}: {field}: {message}{more}",
        field=field,
        errors=[{"field": f, "message": m} for f, m in problems],
        hint=hint,
    )


def _dall_e_file_problems(field: str, upload: Upload) -> list[tuple[str, str]]:
    size = png_size(upload.content)
    if size is None:
        return [(field, "dall-e-2 takes a PNG image")]
    if size[0] != size[1]:
        return [(field, f"dall-e-2 takes a square image, not {size[0]}x{size[1]}")]
    return []


def file_problems(
    images: list[Upload], mask: Upload | None, rules: ImageRules | None
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if rules is not None:
        if len(images) > rules.images_max:
            problems.append(("image", f"{rules.label} edits one image at a time"))
        for upload in images:
            if len(upload.content) > rules.file_limit:
                limit = rules.file_limit // MB
                problems.append(("image", f"{rules.label} takes images under {limit} MB"))
            if rules is DALL_E_2:
                problems += _dall_e_file_problems("image", upload)
    if mask is not None:
        mask_size = png_size(mask.content)
        image_size = png_size(images[0].content)
        if mask_size is None:
            problems.append(("mask", "the mask must be a PNG image"))
        elif image_size is not None and mask_size != image_size:
            problems.append(
                (
                    "mask",
                    f"the mask is {mask_size[0]}x{mask_size[1]}, the image "
                    f"{image_size[0]}x{image_size[1]}: they must be the same size",
                )
            )
    return problems
