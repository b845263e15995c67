"""The keys of a fleet file: which stand for ``contract certify`` options, and which may
never be written in it."""

from __future__ import annotations

from contract.run.settings import OPTION, Frontend

_OPTIONS = (
    "url",
    "user",
    "contact-id",
    "witness-id",
    "transport",
    "xmlrpc-url",
    "readonly-policy",
    "unknown-policy",
    "rate-limit",
    "schema-extension",
    "examples",
    "seed",
    "timeout",
    "retries",
    "connections",
    "insecure",
    "allow-insecure-http",
    "require-full-coverage",
)
FLEET_KEYS = {OPTION[name].spelling(Frontend.FLEET): name for name in _OPTIONS}
"""Each fleet key that is an option of ``contract certify``, and that option's name."""

KEY_VARIABLE_KEY = "api_key_env"
"""The key that names the variable holding an install's API key."""
KNOWN_KEYS = ("name", "url", KEY_VARIABLE_KEY, *FLEET_KEYS)
"""Every key an install's table may hold, for the "did you mean" of a misspelt one."""
SECRET_KEYS = ("api_key", "apikey", "key", "password", "secret", "token")
"""Keys a user might write a secret under, answered with where the secret belongs."""
NOT_A_DEFAULT = ("name", "url")
"""Keys that belong to each install alone."""
