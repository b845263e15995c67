"""Reproductions a person can paste: ``curl`` for REST, a Python snippet for XML-RPC.

Credentials never appear: the commands read ``$CONTRACT_USER`` and ``$CONTRACT_API_KEY``.
"""

from __future__ import annotations

import shlex

from contract.client import SentRequest

USER_VARIABLE = "CONTRACT_USER"
KEY_VARIABLE = "CONTRACT_API_KEY"


def _shell_bytes(body: bytes) -> str:
    """*body* as one shell word: plain quotes when it is printable UTF-8, else ``$'…'``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return shlex.quote(text)
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and chr(byte) not in "\\'" else f"\\x{byte:02x}"
        for byte in body
    )
    return f"$'{escaped}'"


def curl_command(sent: SentRequest) -> str:
    """A ``curl`` command that sends the same request."""
    words = ["curl", "-sS", "-i", "-X", sent.method, shlex.quote(sent.url)]
    words += ["-u", f'"${USER_VARIABLE}:${KEY_VARIABLE}"']
    for name, value in sent.headers.items():
        words += ["-H", shlex.quote(f"{name}: {value}")]
    if sent.body:
        words += ["--data-binary", _shell_bytes(sent.body)]
    return " ".join(words)


_RAW_POST = """\
import os
import requests

user, key = os.environ["{user}"], os.environ["{key}"]
body = {body!r}
answer = requests.post({url!r}, data=body, headers={headers!r}, auth=(user, key))
print(answer.status_code, answer.text)"""

_XMLRPC_CALL = """\
import os
import xmlrpc.client
from urllib.parse import quote, urlsplit

user, key = os.environ["{user}"], os.environ["{key}"]
url = urlsplit({url!r})
signed = url._replace(netloc=f"{{quote(user, safe='')}}:{{quote(key, safe='')}}@{{url.netloc}}")
proxy = xmlrpc.client.ServerProxy(signed.geturl(), allow_none=True)
print(proxy.{method}(*{params!r}))"""


def python_snippet(sent: SentRequest) -> str:
    """A short Python program that sends the same XML-RPC call."""
    names = {"user": USER_VARIABLE, "key": KEY_VARIABLE, "url": sent.url}
    if sent.rpc_call is None:
        return _RAW_POST.format(**names, body=sent.body, headers=sent.headers)
    method, params = sent.rpc_call
    return _XMLRPC_CALL.format(**names, method=method, params=params)


def reproduction(sent: SentRequest) -> str:
    """The right reproduction for the request's transport."""
    return python_snippet(sent) if sent.method == "POST" else curl_command(sent)
