"""Audio: speech to text (transcribe, translate into English) and text to speech.

``audio.transcribe`` and ``audio.translate`` upload the sound file unchanged (multipart) from a
path, a ``data:`` URL or bytes. Bytes without a ``filename`` are named from their format
(``audio.wav`` ...) when it can be recognised; the provider tells the format by the extension.
With ``response_format`` text, srt or vtt the body is the text itself; otherwise JSON.

``audio.speech`` answers with the sound file's bytes: they are written to ``output`` when it is
given (the body then says where and how much, and ``extra["files"]`` lists the path), else the
body is the bytes. ``output`` is checked before the call is sent (a file name in a writable
folder, made if missing; an existing file only with ``overwrite``); when writing fails after
the call, :class:`~..errors.OutputWriteFailed` carries the bytes.

Azure's 2024-10-21 API offers transcriptions and translations (the model is the deployment)
but no speech.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..errors import InvalidInput
from ..local_files import files_of
from ..result import Result
from .base import Context, Operation, RequestSpec, local
from .downloads import check_output_file, save_body
from .extras import HttpInput
from .limits import ModelName
from .uploads import Upload, UploadSource, audio_format, check_source, content_type_for, read_upload

MAX_AUDIO_BYTES = 25 * 1024 * 1024
"""The provider's limit for one uploaded sound file."""
AUDIO_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")
DEFAULT_SPEECH_TO_TEXT_MODEL = "whisper-1"
DEFAULT_TEXT_TO_SPEECH_MODEL = "gpt-4o-mini-tts"
WHISPER_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
TEXT_FORMATS = ("text", "srt", "vtt")
Voice = Literal[
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]
CLASSIC_TTS_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
"""The voices tts-1 and tts-1-hd speak with."""
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


def _formats_for(model: str, deployment: bool) -> tuple[str, ...] | None:
    """The response formats a transcription model writes; None when the model is unknown.

    A deployment (Azure) runs whisper, whatever its name."""
    if deployment:
        return WHISPER_FORMATS
    if model.startswith("whisper"):
        return WHISPER_FORMATS
    if model.startswith("gpt-4o-transcribe-diarize"):
        return ("json", "text", "diarized_json")
    if model.startswith(("gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-transcribe")):
        return ("json",)
    return None


class _SpeechToTextInput(HttpInput):
    model_config = ConfigDict(ser_json_bytes="base64")

    file: UploadSource = Field(
        description="The sound file (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm; "
        "under 25 MB): a path, a data: URL or bytes; sent unchanged",
        validation_alias=AliasChoices("file", "audio"),
    )
    filename: str | None = local(
        None,
        "Name sent with the file (its extension tells the format); default: the path's name",
        min_length=1,
        max_length=255,
    )
    model: ModelName | None = Field(
        None,
        description="whisper-1 (default), gpt-4o-transcribe ...; on Azure the deployment name",
        json_schema_extra={
            "examples": ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]
        },
    )
    prompt: str | None = Field(None, description="Text to guide the style or continue a segment")
    temperature: float | None = Field(None, ge=0, le=1, description="0 to 1")

    @field_validator("file")
    @classmethod
    def _readable(cls, value: UploadSource, info: ValidationInfo) -> UploadSource:
        return check_source(value, MAX_AUDIO_BYTES, files_of(info.context))


class TranscribeInput(_SpeechToTextInput):
    language: str | None = Field(
        None,
        pattern=r"^[a-z]{2}$",
        description="Language of the audio, ISO-639-1 (en, de, fr ...)",
    )
    response_format: (
        Literal["json", "text", "srt", "verbose_json", "vtt", "diarized_json"] | None
    ) = Field(
        None,
        description="json (default), text, srt, verbose_json, vtt; diarized_json for "
        "gpt-4o-transcribe-diarize; text, srt and vtt come back as text",
    )
    timestamp_granularities: list[Literal["word", "segment"]] | None = Field(
        None,
        min_length=1,
        max_length=2,
        description="word and/or segment timestamps; needs response_format verbose_json",
    )

    @field_validator("timestamp_granularities")
    @classmethod
    def _verbose_only(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        if len(set(value)) != len(value):
            raise ValueError("give word and/or segment, each once")
        if info.data.get("response_format") != "verbose_json":
            raise ValueError("timestamps need response_format verbose_json")
        return value


class TranslateInput(_SpeechToTextInput):
    response_format: Literal["json", "text", "srt", "verbose_json", "vtt"] | None = Field(
        None, description="json (default), text, srt, verbose_json, vtt"
    )


def _audio_part(data: _SpeechToTextInput, context: Context) -> tuple[str, Any, str]:
    upload = read_upload(
        data.file,
        "file",
        filename=data.filename,
        default_name="audio",
        limit=MAX_AUDIO_BYTES,
        files=context.files,
    )
    extension = Path(upload.filename).suffix.lower().lstrip(".")
    from_path = isinstance(data.file, str) and not data.file.startswith("data:")
    if not data.filename and not from_path and extension not in AUDIO_EXTENSIONS:
        kind = audio_format(upload.content)
        if kind is None:
            raise InvalidInput(
                "filename: the format of this sound is not recognised: give a filename "
                "with the format's extension (e.g. speech.mp3)",
                field="filename",
            )
        extension = kind
        name = f"audio.{kind}"
        upload = Upload(name, upload.content, content_type_for(name))
    if context.provider.hosted and extension not in AUDIO_EXTENSIONS:
        field = "filename" if data.filename else "file"
        raise InvalidInput(
            f"{field}: {upload.filename!r}: the provider reads "
            f"{', '.join(AUDIO_EXTENSIONS)} files (it tells the format by the extension)",
            field=field,
        )
    return upload.part()


def _speech_to_text(
    data: TranscribeInput | TranslateInput, context: Context, operation: str
) -> RequestSpec:
    deployment = context.provider.deployments  # named by the user: the model rule applies
    model = context.model(data.model) if deployment else data.model
    model = model or DEFAULT_SPEECH_TO_TEXT_MODEL
    formats = _formats_for(model, deployment)
    if data.response_format is not None and formats and data.response_format not in formats:
        raise InvalidInput(
            f"{operation}: response_format: {model} writes {', '.join(formats)}",
            field="response_format",
        )
    timestamps = getattr(data, "timestamp_granularities", None)
    form: dict[str, Any] = {"file": _audio_part(data, context), "model": model}
    form.update(
        data.model_dump(
            exclude_none=True,
            exclude={"file", "filename", "model", "timestamp_granularities"},
            mode="json",
        )
    )
    if timestamps is not None:
        form["timestamp_granularities[]"] = list(timestamps)
    text = data.response_format in TEXT_FORMATS
    return RequestSpec("POST", multipart=form, response_type="text" if text else "json")


def build_transcribe(data: TranscribeInput, context: Context) -> RequestSpec:
    return _speech_to_text(data, context, "audio.transcribe")


def build_translate(data: TranslateInput, context: Context) -> RequestSpec:
    return _speech_to_text(data, context, "audio.translate")


# ---------------------------------------------------------------- speech


class CustomVoice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="A custom voice's id (voice_...)")


class SpeechInput(HttpInput):
    input: str = Field(
        min_length=1,
        max_length=4096,
        description="The text to speak: up to 4096 characters",
        validation_alias=AliasChoices("input", "text"),
    )
    model: ModelName | None = Field(
        None,
        description="gpt-4o-mini-tts (default), tts-1 or tts-1-hd",
        json_schema_extra={"examples": ["gpt-4o-mini-tts", "tts-1", "tts-1-hd"]},
    )
    voice: Voice | CustomVoice = Field(
        "alloy", description="A built-in voice (default alloy) or {id: a custom voice}"
    )
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] | None = Field(
        None, description="mp3 (default), opus, aac, flac, wav, pcm; default: from output's name"
    )
    speed: float | None = Field(None, ge=0.25, le=4.0, description="0.25 to 4.0 (default 1.0)")
    instructions: str | None = Field(
        None, max_length=4096, description="How to speak (not for tts-1 and tts-1-hd)"
    )
    output: str | None = local(
        None, "Write the sound to this file (folders are created); the result lists it"
    )
    overwrite: bool = local(False, "Replace output if it exists (else it is refused)")

    @field_validator("output")
    @classmethod
    def _file_path(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("give a file path")
        return value  # the rest is checked before sending (check_output_file)


def _speech_format(data: SpeechInput) -> str | None:
    """The format to ask for: as given, else the one the output file's name ends with."""
    suffix = Path(data.output).suffix.lower().lstrip(".") if data.output else ""
    if data.response_format is None:
        return suffix if suffix in SPEECH_FORMATS else None
    if suffix in SPEECH_FORMATS and suffix != data.response_format:
        raise InvalidInput(
            f"audio.speech: output: {data.output!r} ends in .{suffix} but response_format "
            f"is {data.response_format}",
            field="output",
            hint="make the two agree, or leave response_format out",
        )
    return data.response_format


def build_speech(data: SpeechInput, context: Context) -> RequestSpec:
    if data.output is not None:
        check_output_file(data.output, "output", overwrite=data.overwrite, files=context.files)
    model = data.model or DEFAULT_TEXT_TO_SPEECH_MODEL
    classic = model.startswith(("tts-1", "tts-1-hd"))
    if classic and data.instructions is not None:
        raise InvalidInput(
            f"audio.speech: instructions: {model} does not take instructions",
            field="instructions",
            hint="use gpt-4o-mini-tts, or leave instructions out",
        )
    if classic and isinstance(data.voice, str) and data.voice not in CLASSIC_TTS_VOICES:
        raise InvalidInput(
            f"audio.speech: voice: {model} speaks with {', '.join(CLASSIC_TTS_VOICES)}",
            field="voice",
        )
    body = data.model_dump(exclude_none=True, exclude={"output", "overwrite", "model"}, mode="json")
    body = {"model": model, **body}
    response_format = _speech_format(data)
    if response_format is not None:
        body["response_format"] = response_format
    return RequestSpec("POST", "/audio/speech", json=body, response_type="binary")


def save_speech(result: Result, data: SpeechInput, context: Context) -> Result:
    """Write the sound to ``output``; the body then says where and how many bytes."""
    return save_body(result, data.output, overwrite=data.overwrite, files=context.files)


OPERATIONS = (
    Operation(
        id="audio.transcribe",
        summary="Transcribe speech in a sound file to text (Whisper, GPT-4o transcribe)",
        input=TranscribeInput,
        method="POST",
        path="/audio/transcriptions",
        routed_by_model=True,
        features=(("timestamp_granularities", "timestamp_granularities"),),
        keywords=("audio", "transcribe", "transcription", "speech", "text", "whisper", "subtitles"),
        build=build_transcribe,
    ),
    Operation(
        id="audio.translate",
        summary="Translate speech in a sound file into English text",
        input=TranslateInput,
        method="POST",
        path="/audio/translations",
        routed_by_model=True,
        keywords=("audio", "translate", "translation", "speech", "english", "whisper"),
        build=build_translate,
    ),
    Operation(
        id="audio.speech",
        summary="Turn text into spoken audio (mp3, opus, aac, flac, wav, pcm)",
        input=SpeechInput,
        method="POST",
        path="/audio/speech",
        keywords=("audio", "speech", "tts", "voice", "speak", "text-to-speech", "mp3"),
        build=build_speech,
        post_process=save_speech,
        response_type="binary",
    ),
)
