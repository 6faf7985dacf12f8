"""Defaults that the rest of the package reads: URLs, versions, timeouts and retry limits."""

from __future__ import annotations

OPENAI_BASE_URL = "https://api.openai.com/v1"
AZURE_API_VERSION = "2024-10-21"
"""Newest stable Azure OpenAI data-plane version (its spec is the one we test against)."""

AZURE_ENDPOINT_TEMPLATE = "https://{resource}.openai.azure.com"

# Timeouts in seconds.
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 600.0

# Retry policy.
MAX_RETRIES = 2
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
"""A server asking for a longer pause than this is not waited for: the call fails instead."""
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
"""Plus every other 5xx (see transport.retry)."""

# Connection pool.
POOL_SIZE = 100

# Response sizes, in bytes (decoded): a body held in memory, and one line of an event stream.
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
MAX_EVENT_LINE_BYTES = 16 * 1024 * 1024

# Azure Entra ID token command: how long a non-JWT token is trusted.
TOKEN_TTL = 50 * 60.0
TOKEN_REFRESH_MARGIN = 60.0

USER_AGENT = "openai-connector/0.1"

CONFIG_DIR_NAME = "openai-connector"
CONFIG_FILE_NAME = "config.toml"

SECRET_MASK = "***"

# Models the chat operation knows by name; any other model or Azure deployment name works too.
KNOWN_CHAT_MODELS = (
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4o",
    "gpt-4o-mini",
    "o4-mini",
    "o3",
    "o3-mini",
    "o1",
    "o1-mini",
    "gpt-4-turbo",
    "gpt-4",
    "gpt-3.5-turbo",
)

# Model families that refuse `max_tokens` and need `max_completion_tokens`.
MAX_COMPLETION_TOKENS_PREFIXES = ("o1", "o3", "o4", "gpt-5")

# Models used on OpenAI when neither the call nor the connection (default_model,
# OPENAI_CONNECTOR_DEFAULT_MODEL) names one; compatible servers get the one model they list.
DEFAULT_MODELS = {
    "chat": "gpt-5-mini",  # chat.create, responses.create, chat.summarize, connection.test
    "embedding": "text-embedding-3-small",
    "completion": "gpt-3.5-turbo-instruct",
}
DEFAULT_MODEL = DEFAULT_MODELS["chat"]
