"""Running the WSGI application under waitress in a background thread."""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from contract.core.schema import load_contract
from contract.core.validation import UpdateValidator
from contract.server.app import ReferenceApp
from contract.server.network import BadNetwork, bad_network_channel
from contract.server.options import ServerOptions, generate_api_key
from contract.server.profiles import PROFILES
from contract.server.seeding import fresh_contact, plausible_contact
from contract.server.service import ContactService
from contract.server.store import ContactStore
from contract.server.waitress_errors import JsonErrorChannel

# How often waitress looks for connections idle past the timeout. Its default (30 s)
# let a stalled connection live up to 30 s longer than the timeout says. It looks as its
# loop turns, so the loop turns at least this often, even when nothing happens; a stop
# wakes the loop at once.
_IDLE_CHECK_SECONDS = 1
# The request line and headers together must stay under this; a head reaching it is
# answered 431. waitress's own default (256 KiB) let a single 100 KB header through;
# 32 KiB is what nginx's default buffers hold, far beyond what any client here sends.
MAX_HEADER_BYTES = 32 * 1024


def build_app(options: ServerOptions, api_key: str) -> ReferenceApp:
    """The WSGI application for *options*: schemas loaded, database opened and seeded."""
    contract = load_contract(options.schema_extension)
    store = ContactStore(options.db)
    try:
        store.seed(
            options.plausible_ids, lambda contact_id: plausible_contact(contract, contact_id)
        )
        store.seed(options.fresh_ids, lambda contact_id: fresh_contact(contract, contact_id))
    except BaseException:
        store.close()
        raise
    return ReferenceApp(ContactService(store, UpdateValidator(contract), options), options, api_key)


def _channel_class(options: ServerOptions) -> type[HTTPChannel]:
    """waitress's connection class: behind a bad network when the profile plays one."""
    if not PROFILES[options.profile].network:
        return JsonErrorChannel
    return bad_network_channel(BadNetwork(options.network_seed, options.network_hold_seconds))


def _listen(host: str, port: int) -> socket.socket:
    # The first address the name resolves to, IPv4 or IPv6, like a client would pick.
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return socket.create_server(address, family=family)


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class ReferenceServer:
    """A reference UpdateContact server on a background thread.

    ``with ReferenceServer(port=0) as srv:`` starts it on a free port; ``srv.url``,
    ``srv.user`` and ``srv.api_key`` say how to reach it. Keyword arguments are the
    fields of :class:`~contract.server.options.ServerOptions`; ``faults={"wrong-id"}``
    plants faults (see :mod:`contract.server.faults`) for testing the certification suite.
    """

    def __init__(self, options: ServerOptions | None = None, **overrides: Any) -> None:
        if options is None:
            options = ServerOptions(**overrides)
        elif overrides:
            raise TypeError("pass either a ServerOptions or keyword options, not both")
        self.options = options
        self.user = options.user
        self.api_key = options.api_key or generate_api_key()
        self.api_key_generated = options.api_key is None
        self.app: ReferenceApp | None = None
        self.url = ""
        self.host = options.host
        self.port = options.port
        self._map: dict[int, Any] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        # Held while the loop's sockets are closed and while the loop is woken: a wake-up
        # never writes to a pipe that has closed, whose number a new file may have taken.
        self._loop_lock = threading.Lock()
        self._loop_open = False

    def __repr__(self) -> str:
        return f"ReferenceServer(url={self.url!r}, user={self.user!r})"

    @property
    def fresh_contact_ids(self) -> list[int]:
        """The ids of the fresh contacts the server seeded (defaults, and empty values)."""
        return list(self.options.fresh_ids)

    @property
    def plausible_contact_ids(self) -> list[int]:
        """The ids of the plausible contacts the server seeded."""
        return list(self.options.plausible_ids)

    @property
    def contact_ids(self) -> list[int]:
        """The ids of the contacts the server holds."""
        if self.app is None:
            raise RuntimeError("the server is not running")
        return self.app.service.store.contact_ids()

    def start(self) -> ReferenceServer:
        """Open the database, bind the socket and serve on a background thread."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        options = self.options
        # waitress warns whenever requests queue behind busy threads, which updates sent
        # together (UC-CONCURRENT) and benchmarks do on purpose; a certification's output
        # is for its verdict.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        app = build_app(options, self.api_key)
        listener: socket.socket | None = None
        try:
            listener = _listen(options.host, options.port)
            server = create_server(
                app,
                map=self._map,
                sockets=[listener],
                threads=options.threads,
                # waitress refuses a larger body itself (413, from the headers alone when
                # they give its length); it refuses one of exactly this size or more.
                max_request_body_size=options.max_body_bytes + 1,
                max_request_header_size=MAX_HEADER_BYTES,
                channel_timeout=options.idle_timeout_seconds,
                cleanup_interval=_IDLE_CHECK_SECONDS,
                ident="contract-reference-server",
            )
            if not isinstance(server, BaseWSGIServer):  # pragma: no cover - one socket, one server
                raise TypeError(f"waitress made a {type(server).__name__} for one socket")
            server.channel_class = _channel_class(options)
        except BaseException:
            if listener is not None:
                listener.close()
            wasyncore.close_all(self._map)
            app.service.store.close()
            raise
        self.app = app
        self.port = listener.getsockname()[1]
        self.url = _url(self.host, self.port)
        self._server = server
        self._stopping.clear()
        self._loop_open = True
        self._thread = threading.Thread(
            target=self._serve, name="contract-reference-server", daemon=True
        )
        self._thread.start()
        return self

    def _serve(self) -> None:
        # The loop, the sockets and the worker threads are all closed from this thread;
        # stop() only wakes the loop, through the trigger waitress made for other threads.
        server = self._server
        if server is None:  # pragma: no cover - start() sets it before the thread runs
            return
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=_IDLE_CHECK_SECONDS, map=self._map, use_poll=True, count=1)
        finally:
            with self._loop_lock:
                self._loop_open = False
                wasyncore.close_all(self._map)
            server.task_dispatcher.shutdown(timeout=5)

    def stop(self) -> None:
        """Stop serving, finish the requests in progress and close the database."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            with self._loop_lock:
                if self._loop_open and self._server is not None:
                    self._server.pull_trigger()
            thread.join()
        if self.app is not None:
            self.app.service.store.close()
            self.app = None

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
