"""An OpenAI-compatible server (vLLM, Ollama, LM Studio, a gateway): OpenAI's API at its
``base_url``, with whatever models it serves and its own idea of file formats."""

from __future__ import annotations

from typing import ClassVar

from .openai import OpenAI


class Compatible(OpenAI):
    name: ClassVar[str] = "compatible"
    label: ClassVar[str] = "the OpenAI-compatible server"
    documented_defaults: ClassVar[bool] = False
    """No documented defaults: the server is asked which models it serves."""
    hosted: ClassVar[bool] = False


PROVIDER = Compatible()
