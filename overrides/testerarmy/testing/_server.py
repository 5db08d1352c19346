"""uvicorn in a background thread, on a socket bound before the thread starts.

Binding first (port 0 = any free port) means the port is known and reserved before ``start`` returns,
with no window in which another process could take it. ``start`` waits until uvicorn reports that
startup (including the app's lifespan) has finished; ``stop`` asks uvicorn to exit, waits, and forces
the exit if in-flight requests (e.g. a long latency fault) outlive the grace period.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

__all__ = ["ServerThread"]


class ServerThread:
    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        graceful_timeout: float = 1.0,
    ) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self.log_level = log_level
        self.graceful_timeout = graceful_timeout
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> int:
        if self._thread is not None:
            raise RuntimeError("server already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it Nagle + delayed ACKs add ~40 ms to every response.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.requested_port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            lifespan="on",
            log_level=self.log_level,
            access_log=False,
            date_header=False,  # the app sends Date from the simulated clock (testing/_app.py)
            log_config=None,  # keep the host application's logging configuration untouched
            timeout_graceful_shutdown=max(1, math.ceil(self.graceful_timeout)),
            backlog=2048,
        )
        server = uvicorn.Server(config)
        self._server = server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # surfaced by start()/stop(), not lost in the thread
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name=f"testerarmy-sim:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"simulator server failed to start: {self._error!r}") from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"simulator server did not start within {timeout} s")
            time.sleep(0.005)
        return self.port

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=self.graceful_timeout + 2.0)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=timeout)
        if thread.is_alive():
            logging.getLogger("testerarmy.testing").warning(
                "simulator thread did not stop within %s s", timeout
            )
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
