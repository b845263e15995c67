"""Format 2: the same lines as format 1, each written as what it adds to the lines above it.

A line never depends on a line below it, and only on lines of the same process's part of the
recording, so parts still merge by concatenation. The rules (``docs/recording.md`` shows them
with examples):

- ``draw``, ``discard``, ``reuse`` and ``exchange`` lines leave out ``test`` (and an
  exchange its ``requirement`` and ``transport``) when they are those of the ``case`` line
  above them.
- A request's or answer's ``headers`` may be a ``headers_patch`` against the headers of the
  previous message of the same kind (request or response), method and path: the keys it
  sets, ``null`` for a header that went away, and ``Content-Length`` is the body's length
  unless the patch says otherwise. No headers at all: the patch is empty.
- A body may be written as what it decodes to, rebuilt byte for byte: ``body_json`` (written
  as ``json.dumps(value, ensure_ascii=False)``), ``body_json_ascii`` (``json.dumps(value)``),
  ``body_xmlrpc`` (a call, as ``xmlrpc.client.dumps`` writes it) or ``body_xmlrpc_fault``
  (a fault, its text as it stood in the XML).
- An answer to a GET (a read-back) that is a JSON object may be a ``body_patch`` against
  the previous answer to the same GET: the keys whose value changed or appeared,
  ``body_removed`` the keys that went away, in the JSON style of that previous answer; or
  a ``body_patch_drawn``, a drawn object (as for ``body_json_drawn``) whose every key it
  sets, when the read-back differs by what an update sent.
- A request whose payload is a value the case drew names the draw instead of repeating it:
  ``body_json_drawn`` (where among the case's draws: its index, then keys and indices into
  it) or ``body_xmlrpc_drawn`` (a call whose last parameter is at ``drawn``).
- A request with no body has no body field.
- A ``draw`` whose value an earlier case drew (another transport's twin of the test, or the
  same coverage probes) says ``same_as``: that case's ``test``, ``case`` and ``draw`` index.

The writer only ever chooses a form it has rebuilt to the exact bytes; anything else is
written as in format 1.
"""

from __future__ import annotations

import copy
import json
import re
import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

from contract.recording.bodies import body_fields, body_of

_SCOPE = ("test", "requirement", "transport")
_DRAWN = ("value", "invalid_case")
_IN_CASE = ("draw", "discard", "exchange", "reuse")
_SHORTEST_REPEAT = 100
"""A drawn value written at least this long is named when it repeats, not written again."""
_CONTENT_LENGTH = "Content-Length"
_FAULT = (
    "<?xml version='1.0'?>\n<methodResponse><fault><value><struct><member><name>faultCode"
    "</name><value><int>{code}</int></value></member><member><name>faultString</name>"
    "<value><string>{text}</string></value></member></struct></value></fault>"
    "</methodResponse>\n"
)
_FAULT_PATTERN = re.compile(
    re.escape(_FAULT).replace(r"\{code\}", "(-?[0-9]+)").replace(r"\{text\}", "(.*)"),
    re.DOTALL,
)
_RESULT = (
    "<?xml version='1.0'?>\n<methodResponse><params><param>{value}</param></params>"
    "</methodResponse>\n"
)
_RESULT_PATTERN = re.compile(re.escape(_RESULT).replace(r"\{value\}", "(.*)"), re.DOTALL)
_BODY_FORMS = (
    "body",
    "body_base64",
    "body_json",
    "body_json_ascii",
    "body_xmlrpc",
    "body_xmlrpc_fault",
    "body_xmlrpc_result",
    "body_patch",
    "body_patch_drawn",
    "body_json_drawn",
    "body_xmlrpc_drawn",
)


def json_style(body: bytes) -> tuple[str, Any] | None:
    """``("json", value)`` when *body* is ``json.dumps(value, ensure_ascii=False)``,
    ``("json_ascii", value)`` when it is ``json.dumps(value)``, else ``None``."""
    if not body or body[:1] not in b'{["-0123456789tfn':
        return None
    try:
        text = body.decode("utf-8")
        value = json.loads(text)
    except (ValueError, RecursionError):  # nested past what the decoder holds: kept whole
        return None
    if json.dumps(value, ensure_ascii=False) == text:
        return "json", value
    if json.dumps(value) == text:
        return "json_ascii", value
    return None


def _json_bytes(style: str, value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=style == "json_ascii").encode("utf-8")


def _call_bytes(method: str, params: list[Any]) -> bytes:
    return xmlrpc.client.dumps(tuple(params), method, encoding="utf-8", allow_none=True).encode()


@dataclass
class Message:
    """The last request or answer of one kind, method and path: what the next one patches."""

    headers: dict[str, str]
    body: bytes
    _style: tuple[str, Any] | None = None
    _styled: bool = False

    def style(self) -> tuple[str, Any] | None:
        """The body's JSON style and value, or ``None`` when it is no JSON that way."""
        if not self._styled:
            self._style, self._styled = json_style(self.body), True
        return self._style


def _drawn(draws: list[Any], path: list[Any]) -> Any:
    value: Any = draws
    for step in path:
        value = value[step]
    return value


def _patched_headers(base: Message | None, body: bytes, fields: dict[str, Any]) -> dict[str, str]:
    if "headers" in fields:
        return dict(fields["headers"])
    headers = dict(base.headers) if base is not None else {}
    if _CONTENT_LENGTH in headers:
        headers[_CONTENT_LENGTH] = str(len(body))
    for name, value in fields.get("headers_patch", {}).items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = str(value)
    return headers


def _rebuilt_body(fields: dict[str, Any], base: Message | None, draws: list[Any]) -> bytes:
    if "body_json" in fields:
        return _json_bytes("json", fields["body_json"])
    if "body_json_ascii" in fields:
        return _json_bytes("json_ascii", fields["body_json_ascii"])
    if "body_json_drawn" in fields:
        return _json_bytes("json", _drawn(draws, fields["body_json_drawn"]))
    if "body_xmlrpc" in fields:
        call = fields["body_xmlrpc"]
        return _call_bytes(call["method"], call["params"])
    if "body_xmlrpc_drawn" in fields:
        call = fields["body_xmlrpc_drawn"]
        return _call_bytes(call["method"], [*call["params"], _drawn(draws, call["drawn"])])
    if "body_xmlrpc_fault" in fields:
        code, text = fields["body_xmlrpc_fault"]
        return _FAULT.format(code=int(code), text=text).encode("utf-8")
    if "body_xmlrpc_result" in fields:
        return _RESULT.format(value=fields["body_xmlrpc_result"]).encode("utf-8")
    if "body_patch" in fields or "body_patch_drawn" in fields:
        style = base.style() if base is not None else None
        if style is None or not isinstance(style[1], dict):
            raise ValueError("body_patch with no JSON object before it to patch")
        value = dict(style[1])
        for name in fields.get("body_removed", []):
            del value[name]
        if "body_patch" in fields:
            value.update(fields["body_patch"])
        else:
            value.update(_drawn(draws, fields["body_patch_drawn"]))
        return _json_bytes(style[0], value)
    return body_of(fields)


@dataclass
class Expander:
    """Reads a recording's lines in order and gives each back whole, as format 1 writes it.

    The writer keeps one too, fed what it wrote, so both sides patch against the same lines.
    """

    case: dict[str, Any] | None = None
    draws: list[Any] = field(default_factory=list)
    messages: dict[tuple[str, str, str], Message] = field(default_factory=dict)
    drawn: dict[tuple[str, int], list[tuple[str, Any]]] = field(default_factory=dict)
    """Each case's draws: which field held the value, and the value."""
    repeats: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Where each long drawn value (as JSON text) was first drawn."""

    def _draw(self, line: dict[str, Any]) -> None:
        if "same_as" in line:
            where = line.pop("same_as")
            name, value = self.drawn[(str(where["test"]), int(where["case"]))][where["draw"]]
            line[name] = copy.deepcopy(value)
        name = "invalid_case" if "invalid_case" in line else "value"
        value = line[name]
        own = self.drawn.setdefault((str(line["test"]), int(line["case"])), [])
        text = json.dumps([name, value], ensure_ascii=False)
        if len(text) >= _SHORTEST_REPEAT:
            where = {"test": line["test"], "case": line["case"], "draw": len(own)}
            self.repeats.setdefault(text, where)
        own.append((name, value))
        self.draws.append(value)

    def _message(self, kind: str, method: str, path: str, fields: dict[str, Any]) -> bytes:
        key = (kind, method, path)
        base = self.messages.get(key)
        body = _rebuilt_body(fields, base, self.draws)
        headers = _patched_headers(base, body, fields)
        self.messages[key] = Message(headers, body)
        whole = {k: v for k, v in fields.items() if k not in _BODY_FORMS and k != "headers_patch"}
        fields.clear()
        fields.update(whole, headers=headers, **body_fields(body))
        return body

    def expand(self, line: dict[str, Any]) -> dict[str, Any]:
        """*line* whole (changed in place): its scope filled in, its messages rebuilt."""
        kind = line.get("kind")
        if kind == "case":
            self.case = {name: line.get(name) for name in _SCOPE}
            self.draws = []
        elif kind in _IN_CASE:
            for name in _SCOPE if kind == "exchange" else _SCOPE[:1]:
                if name not in line:
                    if self.case is None:
                        raise KeyError(f"{name} (no case line above this one)")
                    line[name] = self.case[name]
        if kind == "draw":
            self._draw(line)
        elif kind == "exchange":
            request = line["request"]
            method, path = str(request["method"]), str(request["path"])
            self._message("request", method, path, request)
            if "response" in line:
                self._message("response", method, path, line["response"])
        return line


def _headers_fields(base: Message | None, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    if base is None:
        return {"headers": headers}
    expected = dict(base.headers)
    if _CONTENT_LENGTH in expected:
        expected[_CONTENT_LENGTH] = str(len(body))
    patch: dict[str, str | None] = {n: v for n, v in headers.items() if expected.get(n) != v}
    patch |= {name: None for name in expected if name not in headers}
    fields: dict[str, Any] = {"headers_patch": patch} if patch else {}
    if list(_patched_headers(base, body, fields).items()) != list(headers.items()):
        return {"headers": headers}
    return fields


def _places(draws: list[Any]) -> list[tuple[list[Any], Any]]:
    """Where a request's payload may lie among the case's draws: a draw, its payload (an
    invalid case's), a probe of the coverage phase or its payload."""
    places: list[tuple[list[Any], Any]] = []
    for index, drawn in enumerate(draws):
        places.append(([index], drawn))
        if isinstance(drawn, dict) and "payload" in drawn:
            places.append(([index, "payload"], drawn["payload"]))
        if isinstance(drawn, list):
            for item, probe in enumerate(drawn):
                places.append(([index, item], probe))
                if isinstance(probe, dict) and "payload" in probe:
                    places.append(([index, item, "payload"], probe["payload"]))
    return places


def _paths_to(value: Any, draws: list[Any]) -> list[list[Any]]:
    """Where among the case's draws *value* lies."""
    return [path for path, candidate in _places(draws) if candidate == value]


def _patches_drawn(
    value: dict[str, Any], patch: dict[str, Any], draws: list[Any]
) -> list[list[Any]]:
    """The drawn objects that *value* holds whole and that set every key of *patch*: a
    read-back after an update usually differs from the one before by the payload sent."""
    return [
        path
        for path, drawn in _places(draws)
        if isinstance(drawn, dict)
        and drawn
        and patch.keys() <= drawn.keys()
        and all(name in value and value[name] == item for name, item in drawn.items())
    ]


class Compactor:
    """Writes each line in format 2's shortest form that rebuilds it exactly."""

    def __init__(self) -> None:
        self.mirror = Expander()

    def written(self, line: dict[str, Any]) -> None:
        """The line as it went to the file (after redaction): what later lines build on."""
        self.mirror.expand(line)

    def compact(self, line: dict[str, Any]) -> dict[str, Any]:
        """*line*, whole as format 1 writes it, in its compact form."""
        kind = line.get("kind")
        if kind not in _IN_CASE:
            return line
        case = self.mirror.case
        names = _SCOPE if kind == "exchange" else _SCOPE[:1]
        out = {
            name: value
            for name, value in line.items()
            if not (name in names and case is not None and case.get(name) == value)
        }
        if kind == "draw":
            name = "invalid_case" if "invalid_case" in line else "value"
            where = self.mirror.repeats.get(json.dumps([name, line[name]], ensure_ascii=False))
            if where is not None:
                del out[name]
                out["same_as"] = where
        if kind == "exchange":
            request = line["request"]
            method, path = request["method"], request["path"]
            out["request"] = self._message("request", method, path, request)
            if "response" in line:
                out["response"] = self._message("response", method, path, line["response"])
        return out

    def _message(self, kind: str, method: str, path: str, fields: dict[str, Any]) -> dict[str, Any]:
        base = self.mirror.messages.get((kind, method, path))
        body = body_of(fields)
        headers = dict(fields["headers"])
        out = {k: v for k, v in fields.items() if k not in _BODY_FORMS and k != "headers"}
        out |= _headers_fields(base, headers, body)
        best: dict[str, Any] = body_fields(body) if body else {}
        size = len(json.dumps(best, ensure_ascii=False))
        for candidate in self._bodies(kind, method, body, base):
            try:
                text = json.dumps(candidate, ensure_ascii=False)
                # Rebuilt from what the file will hold, exactly as a replay will rebuild it.
                exact = _rebuilt_body(json.loads(text), base, self.mirror.draws) == body
            except (ValueError, TypeError, KeyError, IndexError, RecursionError, OverflowError):
                continue  # not rebuilt from its short form (too deep, an int XML-RPC lacks)
            if exact and len(text) < size:
                best, size = candidate, len(text)
        return out | best

    def _bodies(
        self, kind: str, method: str, body: bytes, base: Message | None
    ) -> list[dict[str, Any]]:
        candidates: list[dict[str, Any]] = []
        style = json_style(body)
        if style is not None:
            name, value = style
            candidates.append({f"body_{name}": value})
            previous = base.style() if base is not None else None
            if (
                kind == "response"
                and method == "GET"
                and previous is not None
                and isinstance(value, dict)
                and isinstance(previous[1], dict)
            ):
                before = previous[1]
                patch = {k: v for k, v in value.items() if k not in before or before[k] != v}
                removed = [k for k in before if k not in value]
                gone = {"body_removed": removed} if removed else {}
                candidates.append({"body_patch": patch} | gone)
                for path in _patches_drawn(value, patch, self.mirror.draws)[:1]:
                    candidates.append({"body_patch_drawn": path} | gone)
            if kind == "request" and name == "json":
                for path in _paths_to(value, self.mirror.draws)[:1]:
                    candidates.append({"body_json_drawn": path})
            return candidates
        if not body.startswith(b"<?xml"):
            return candidates
        text = body.decode("utf-8", "replace")
        fault = _FAULT_PATTERN.fullmatch(text)
        result = _RESULT_PATTERN.fullmatch(text)
        if fault is not None:
            candidates.append({"body_xmlrpc_fault": [int(fault[1]), fault[2]]})
        elif result is not None:
            candidates.append({"body_xmlrpc_result": result[1]})
        elif kind == "request":
            try:
                params, called = xmlrpc.client.loads(text)
            except (
                ValueError,
                TypeError,
                LookupError,
                RecursionError,
                xmlrpc.client.Error,
                ExpatError,
            ):
                return candidates
            if called is not None:
                call = {"method": called, "params": list(params)}
                candidates.append({"body_xmlrpc": call})
                if params:
                    for path in _paths_to(params[-1], self.mirror.draws)[:1]:
                        drawn = {"method": called, "params": list(params[:-1]), "drawn": path}
                        candidates.append({"body_xmlrpc_drawn": drawn})
        return candidates
