"""Reproductions a person can paste: ``curl`` for REST, a Python snippet for XML-RPC.

The API key never appears: the commands read it from ``$CONTRACT_API_KEY``. The user name,
which is no secret, is written out, so that a pasted command signs in as the run did.
"""

from __future__ import annotations

import shlex

from contract.exchange.answers import SentRequest


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


def _in_double_quotes(text: str) -> str:
    """*text* safe inside a shell's double quotes, where ``$NAME`` still expands."""
    return "".join(f"\\{c}" if c in '\\"$`' else c for c in text)


def _credentials_word(user: str, key: str) -> str:
    """``user:key`` as one shell word: the user literal, the key ``$CONTRACT_API_KEY``
    (expanded by the shell) or a literal wrong one."""
    shown_key = key if key.startswith("$") else _in_double_quotes(key)
    return f'"{_in_double_quotes(user)}:{shown_key}"'


def _under_scheme_header(scheme: str, user: str, key: str) -> str:
    """An ``Authorization`` header, as one shell word, with ``user:key`` encoded as Basic
    does, under another *scheme*."""
    encoded = f"$(printf '%s' {_credentials_word(user, key)} | base64 | tr -d '\\n')"
    return f'"Authorization: {_in_double_quotes(scheme)} {encoded}"'


def curl_command(sent: SentRequest) -> str:
    """A ``curl`` command that sends the same request."""
    words = ["curl", "-sS", "-i", "-X", sent.method, shlex.quote(sent.url)]
    if sent.authorization is not None:
        words += ["-H", shlex.quote(f"Authorization: {sent.authorization}")]
    elif sent.sign_in is not None and sent.scheme != "Basic":
        words += ["-H", _under_scheme_header(sent.scheme, *sent.sign_in)]
    elif sent.sign_in is not None:
        words += ["-u", _credentials_word(*sent.sign_in)]
    for name, value in sent.headers.items():
        words += ["-H", shlex.quote(f"{name}: {value}")]
    if sent.body:
        words += ["--data-binary", _shell_bytes(sent.body)]
    return " ".join(words)


_RAW_POST = """\
import os
import requests

body = {body!r}
answer = requests.post({url!r}, data=body, headers={headers!r}, auth={auth})
print(answer.status_code, answer.text)"""

_XMLRPC_CALL = """\
import os
import xmlrpc.client
from urllib.parse import quote, urlsplit

url = urlsplit({url!r})
user, key = {user}, {key}
signed = url._replace(netloc=f"{{quote(user, safe='')}}:{{quote(key, safe='')}}@{{url.netloc}}")
proxy = xmlrpc.client.ServerProxy(signed.geturl(), allow_none=True)
print(proxy.{method}(*{params!r}))"""

_UNDER_SCHEME_POST = """\
import base64
import os
import requests

user, key = {user}, {key}
token = base64.b64encode(f"{{user}}:{{key}}".encode()).decode()
headers = {{**{headers!r}, "Authorization": {scheme!r} + " " + token}}
answer = requests.post({url!r}, data={body!r}, headers=headers)
print(answer.status_code, answer.text)"""

_XMLRPC_ANONYMOUS_CALL = """\
import xmlrpc.client

proxy = xmlrpc.client.ServerProxy({url!r}, allow_none=True)
print(proxy.{method}(*{params!r}))"""


def _python_key(word: str) -> str:
    """``$NAME`` as the environment variable NAME, anything else as a literal."""
    return f'os.environ["{word[1:]}"]' if word.startswith("$") else repr(word)


def python_snippet(sent: SentRequest) -> str:
    """A short Python program that sends the same XML-RPC call."""
    sign_in = sent.sign_in
    if sent.authorization is not None:
        headers = {**sent.headers, "Authorization": sent.authorization}
        return _RAW_POST.format(url=sent.url, body=sent.body, headers=headers, auth="None")
    if sign_in is not None and sent.scheme != "Basic":
        user, key = repr(sign_in[0]), _python_key(sign_in[1])
        return _UNDER_SCHEME_POST.format(
            user=user,
            key=key,
            headers=sent.headers,
            scheme=sent.scheme,
            url=sent.url,
            body=sent.body,
        )
    if sent.rpc_call is None:
        auth = "None" if sign_in is None else f"({sign_in[0]!r}, {_python_key(sign_in[1])})"
        return _RAW_POST.format(url=sent.url, body=sent.body, headers=sent.headers, auth=auth)
    method, params = sent.rpc_call
    if sign_in is None:
        return _XMLRPC_ANONYMOUS_CALL.format(url=sent.url, method=method, params=params)
    user, key = repr(sign_in[0]), _python_key(sign_in[1])
    return _XMLRPC_CALL.format(url=sent.url, user=user, key=key, method=method, params=params)


def reproduction(sent: SentRequest) -> str:
    """The right reproduction for the request's transport."""
    return python_snippet(sent) if sent.method == "POST" else curl_command(sent)
