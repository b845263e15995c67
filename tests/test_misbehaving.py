"""Servers that misbehave: every run ends with a clear verdict or exit 2, and keys stay home.

A server that never answers is in test_certify_cli.py.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from conftest import Wsgi, served
from contract.exchange.endpoint import Endpoint
from contract.run.client import MAX_BODY_BYTES, ContactClient
from contract.server import ReferenceServer
from tests.certify_output import one_line_reason
from tests.conftest import run_contract

KEY = "misbehaving-test-key"
TEN_MB = 10 * 1024 * 1024


def _certify(url: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``contract certify`` of *url* in *cwd*, where a restore file would go."""
    return run_contract(
        "certify",
        *("--url", url, "--api-key", KEY, "--contact-id", "1", "--examples", "1"),
        *extra,
        timeout=120,
        cwd=cwd,
    )


def _one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The exit-2 reason of ``contract certify``, as :func:`one_line_reason` reads it."""
    line = one_line_reason(result)
    assert line.startswith("contract certify: could not run: "), line
    return line


@contextlib.contextmanager
def _raw_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on loopback that gives each connection to *handle*."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                connections.append(connection)
                threading.Thread(target=handle, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.close()


def _resets(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _answers_garbage(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.recv(65536)
        connection.sendall(b"\x00\xff\xfe not HTTP at all\r\n\r\n")
        connection.close()


@pytest.mark.parametrize(
    ("handle", "reason"),
    [
        (_resets, "the connection was reset"),
        (_answers_garbage, "cannot reach 127.0.0.1:"),
    ],
    ids=["reset", "garbage"],
)
def test_resets_and_garbage_are_exit_2_with_a_reason(
    handle: Callable[[socket.socket], None], reason: str, tmp_path: Path
) -> None:
    with _raw_server(handle) as url:
        assert reason in _one_clear_line(_certify(url, "--timeout", "2", cwd=tmp_path))


class _GoesSilent:
    """The reference server, until a number of requests; then it never answers again."""

    def __init__(self, app: Wsgi, answered: int) -> None:
        self.app, self.answered, self.count = app, answered, 0
        self.released = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.count += 1
        if self.count > self.answered:
            self.released.wait(60)
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@pytest.mark.long
def test_a_server_going_silent_mid_run_ends_it_and_keeps_the_contact(tmp_path: Path) -> None:
    with ReferenceServer(contacts=3, api_key=KEY) as server:
        silent = _GoesSilent(server.app, answered=60)
        try:
            with _threaded(silent) as url:
                started = time.monotonic()
                result = run_contract(
                    *("certify", "--url", url, "--api-key", KEY, "--contact-id", "1"),
                    *("--examples", "2", "--timeout", "1"),
                    timeout=60,
                    cwd=tmp_path,
                )
                elapsed = time.monotonic() - started
        finally:
            silent.released.set()
    assert result.returncode == 2
    # Silent on a connection it holds, or taking no new one (refusals go over several).
    said = ("did not answer within 1 s", "the connection timed out after 1 s")
    assert any(words in result.stderr for words in said), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert elapsed < 30
    # The contact could not be put back: its values are saved, and the run says where.
    assert "contract restore" in result.stdout
    assert (tmp_path / "contract-restore-1.json").is_file()


@contextlib.contextmanager
def _threaded(app: Wsgi) -> Iterator[str]:
    """*app* on loopback, one thread per connection (a stuck request blocks only itself)."""

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        request_queue_size = 64  # the run's concurrent connections, even if slow to accept

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def _tls_relay(server: ReferenceServer, tls: ssl.SSLContext) -> Iterator[str]:
    """*server* behind HTTPS: each TLS connection relayed, kept alive, to one of its own."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stopping = threading.Event()

    def relay(client: socket.socket) -> None:
        # One thread does both directions: an SSL socket must not read and write at once.
        with contextlib.suppress(OSError, ssl.SSLError):
            secure = tls.wrap_socket(client, server_side=True)
            upstream = socket.create_connection(("127.0.0.1", server.port))
            for end in (secure, upstream):  # relay each write at once, as sent
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with secure, upstream:
                while not stopping.is_set():
                    ready: list[socket.socket] = [secure] if secure.pending() else []
                    if not ready:
                        ready, _, _ = select.select([secure, upstream], [], [], 0.2)
                    for end in ready:
                        data = end.recv(65536)
                        if not data:
                            return
                        (upstream if end is secure else secure).sendall(data)

    def accept() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=relay, args=(client,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        listener.close()


def _always(status: str, headers: list[tuple[str, str]], body: bytes) -> Wsgi:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.mark.long
def test_a_10_mb_answer_is_read_only_up_to_the_bound_and_judged(tmp_path: Path) -> None:
    huge = b"[" + b"1," * (TEN_MB // 2)
    with served(_always("200 OK", [("Content-Type", "application/json")], huge)) as url:
        client = ContactClient(Endpoint(url, "admin", KEY))
        answer = client.update(1, {"name": "x"}, "rest")
        client.close()
        result = _certify(url, cwd=tmp_path)
    assert len(answer.body) == MAX_BODY_BYTES + 1
    assert answer.malformed == "the body is not JSON"
    assert result.returncode == 1, result.stderr
    assert "NOT CERTIFIED" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_html_with_200_fails_the_answer_requirements(tmp_path: Path) -> None:
    page = b"<html><body>Welcome!</body></html>"
    with served(_always("200 OK", [("Content-Type", "text/html")], page)) as url:
        result = _certify(url, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "UC-ACCEPT" in result.stdout
    assert "text/html" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_redirect_to_another_host_is_not_followed_with_the_credentials(tmp_path: Path) -> None:
    visits: list[str | None] = []

    def elsewhere(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        visits.append(environ.get("HTTP_AUTHORIZATION"))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"1"]

    with served(elsewhere) as other:
        # "localhost" is another host name than the target's 127.0.0.1.
        location = other.replace("127.0.0.1", "localhost") + "/api/2.0/contacts/1"
        moved = _always("302 Found", [("Location", location)], b"")
        with served(moved) as url:
            client = ContactClient(Endpoint(url, "admin", KEY))
            answer = client.update(1, {"name": "x"}, "rest")
            client.close()
            result = _certify(url, cwd=tmp_path)
    assert answer.status == 302
    assert result.returncode == 1, result.stderr
    assert "NOT CERTIFIED" in result.stdout
    assert visits == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, which no trust store knows."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
            *("-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.long
def test_tls_is_verified_unless_insecure_says_so_loudly(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with ReferenceServer(contacts=3, api_key=KEY) as server, _tls_relay(server, context) as url:
        refused = _certify(url, "--timeout", "5", cwd=tmp_path)
        insecure = _certify(url, "--insecure", cwd=tmp_path)
    assert "TLS failed (certificate verify failed)" in _one_clear_line(refused)
    assert insecure.returncode == 0, insecure.stdout + insecure.stderr
    assert insecure.stderr.startswith("WARNING: --insecure: the install's TLS certificate")
    assert "InsecureRequestWarning" not in insecure.stderr


def test_basic_auth_over_plain_http_leaves_this_machine_only_when_allowed(tmp_path: Path) -> None:
    refused = _certify("http://192.0.2.1:9", cwd=tmp_path)  # a documentation address, never reached
    assert "unencrypted to 192.0.2.1:9" in _one_clear_line(refused)
    allowed = _certify(
        "http://192.0.2.1:9", "--allow-insecure-http", "--timeout", "0.5", cwd=tmp_path
    )
    assert "unencrypted" not in _one_clear_line(allowed)
    saved = tmp_path / "contract-restore-1.json"
    saved.write_text('{"url": "http://192.0.2.1:9", "contact_id": 1, "properties": {}}')
    restore = run_contract("restore", str(saved), "--api-key", KEY)
    assert restore.returncode == 2
    assert "unencrypted to 192.0.2.1:9" in restore.stderr


_NOT_FOUND_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>"


def test_a_url_where_no_api_answers_is_said_to_have_none(tmp_path: Path) -> None:
    """404 to the read and to an update, REST and XML-RPC alike, in a web server's words:
    no UpdateContact API there, rather than a contact that does not exist."""
    page = _always("404 Not Found", [("Content-Type", "text/html")], _NOT_FOUND_PAGE)
    with served(page) as url:
        line = _one_clear_line(_certify(url, cwd=tmp_path))
    assert line.startswith(f"contract certify: could not run: no UpdateContact API at {url}: ")
    assert "check --url: it is the install's base address" in line
    assert "does not exist" not in line


def test_a_contact_the_api_does_not_have_is_said_to_be_missing(tmp_path: Path) -> None:
    with ReferenceServer(contacts=3, api_key=KEY) as server:
        line = _one_clear_line(
            run_contract(
                *("certify", "--url", server.url, "--api-key", KEY, "--contact-id", "99"),
                cwd=tmp_path,
            )
        )
    assert line == f"contract certify: could not run: contact 99 does not exist on {server.url}"
