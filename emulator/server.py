"""``EmulatorServer``: the emulator on a real socket, in a background thread (tests, plugin)."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import uvicorn

from emulator.app import EmulatorApp, create_app
from emulator.core.state import State
from emulator.http.limits import protocol_class
from emulator.settings import Settings

# Request line + headers may be this long (uvicorn's default of 16 KiB would refuse long query strings
# with a plain-text 400 before the emulator could answer with a Stripe error). h11 keeps it itself;
# under httptools the protocol wrapper in emulator.http.limits does.
MAX_REQUEST_HEAD = 1_048_576
DEFAULT_HOST = "127.0.0.1"
# The fastest stack uvicorn runs: httptools parses HTTP in C, uvloop runs the event loop (both are
# dependencies; h11 and asyncio's own loop remain for a platform without wheels for them).
HTTP_IMPLEMENTATION = "httptools" if importlib.util.find_spec("httptools") else "h11"
T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop when it is installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the loop :func:`loop_factory` makes."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def uvicorn_config(app: EmulatorApp, log_level: str, **extra: object) -> uvicorn.Config:
    """uvicorn's configuration for ``app``: its settings' keep-alive, head deadline and connection bound."""
    settings = app.settings
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=protocol_class(HTTP_IMPLEMENTATION, settings.header_timeout, settings.max_connections, MAX_REQUEST_HEAD),
        ws="none",  # no WebSocket upgrades: the emulator serves HTTP only
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]  # uvicorn types it int
        **extra,  # type: ignore[arg-type]
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket with TCP_NODELAY, which accepted connections inherit.

    asyncio only sets TCP_NODELAY on sockets whose ``proto`` is IPPROTO_TCP; without it a
    response sent as headers + body waits ~40 ms for the peer's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


class EmulatorServer:
    """Serve a fresh (or given) State on ``host:port`` (port 0 = a free port).

    ``host``/``port`` default to the given ``settings``' (their ``port`` is 12111 unless set),
    else to ``127.0.0.1`` and a free port.

    >>> with EmulatorServer() as url:  # doctest: +SKIP
    ...     client = stripe.StripeClient("sk_test_x", base_addresses={"api": url})
    """

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        state: State | None = None,
        settings: Settings | None = None,
        log_level: str = "warning",
    ) -> None:
        if settings is None:
            host = DEFAULT_HOST if host is None else host
            port = 0 if port is None else port
            settings = Settings(host=host, port=port, log_level=log_level)
        self.settings = settings
        self.state = (
            state if state is not None else State(seed=self.settings.seed, hot_objects=self.settings.hot_objects)
        )
        self.app: EmulatorApp = create_app(self.state, self.settings)
        self.host: str = settings.host if host is None else host
        self.port: int = settings.port if port is None else port
        self.log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._boot_error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the serving loop, once started

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> str:
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self.app.listening_on(self.host, sock.getsockname())
        self._server = uvicorn.Server(uvicorn_config(self.app, self.log_level, timeout_graceful_shutdown=1))

        async def main() -> None:
            assert self._server is not None
            self.loop = asyncio.get_running_loop()
            try:
                await self.app.startup()  # --persist replay and --fixtures, on the serving loop
            except BaseException as exc:
                self._boot_error = exc
                return
            try:
                await self._server.serve(sockets=[sock])
            finally:
                self.app.shutdown()

        self._thread = threading.Thread(target=lambda: run(main()), name="stripe-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                error = self._boot_error
                self.stop()
                raise RuntimeError(f"the emulator did not start: {error or 'timed out'}") from error
            time.sleep(0.005)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
