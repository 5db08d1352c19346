"""httpx transports: retries (the :func:`retry_flow` decisions) and forwarding to a connection pool.

The stack inside a client is::

    httpx.Client(base_url, auth, headers, timeout)      <- what resources and ``client.api`` use
      └ RetryTransport(policy, gate)                      <- retries, the client's 429 gate, logging
          └ ClientTransport                               <- forwards to the pool client
              └ httpx.Client (ours, or the caller's ``http_client``): proxies, TLS, limits, hooks

Because retries live in a transport, the generated ``AuthenticatedClient`` that shares this httpx
client (``client.api``) gets exactly the same retries. Forwarding through a whole ``httpx.Client``
(rather than an ``HTTPTransport``) keeps httpx's environment-proxy support and lets callers bring
their own client with public APIs only.

When the pool client is our own and the environment names no proxy, that client would route every
request to its one default transport anyway, so the forwarder hands requests to that transport
directly (``direct=``): a second ``Client.send`` per request (auth and redirect machinery, cookie
extraction into a jar nobody reads, a duplicate httpx log line) cost ~15% of a local call
(bench/call_overhead.py, docs/performance.md).

Each attempt's body is read inside the transport, so a connection that breaks mid-body counts as a
failed attempt (retryable for idempotent requests) instead of surfacing after retries are over.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

import httpx

from ._flow import Sleep, adrive, drive
from ._gate import RateGate
from ._retry import RetryPolicy, Send, retry_flow

if TYPE_CHECKING:
    import anyio

__all__ = [
    "MAX_IN_FLIGHT",
    "AsyncClientTransport",
    "AsyncRetryTransport",
    "ClientTransport",
    "RetryTransport",
]

# httpcore's connection pool re-scans its whole wait queue each time a connection frees up, so N
# requests queued inside it cost O(N²) (encode/httpcore#1035): 1,000 concurrent calls from one
# AsyncTesterArmy took ~75 s instead of ~8 s against the simulator. Each async attempt therefore
# first waits for one of these slots (FIFO, O(1) per request), which keeps the pool's own queue
# short. 100 = httpx's default max_connections.
MAX_IN_FLIGHT: Final = 100


def _buffered(response: httpx.Response, raw: bytes, request: httpx.Request) -> httpx.Response:
    # Hand the raw (still content-encoded) bytes back as a fresh stream: the outer client decodes
    # them once and measures `elapsed` as for any response.
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
        request=request,
    )


class RetryTransport(httpx.BaseTransport):
    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        gate: RateGate | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        # One gate per client: every request of it backs off together on a 429 (see _gate).
        self.gate = RateGate(clock) if gate is None else gate

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        def perform(action: Send | Sleep) -> httpx.Response | Exception | None:
            if isinstance(action, Sleep):
                self._sleep(action.seconds)
                return None
            try:
                response = self._inner.handle_request(request)
                try:
                    stream = response.stream
                    assert isinstance(stream, httpx.SyncByteStream)
                    raw = b"".join(stream)
                finally:
                    response.close()
            except httpx.TransportError as exc:
                return exc
            return _buffered(response, raw, request)

        return drive(retry_flow(request, self._policy, self.gate), perform)

    def close(self) -> None:
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
        gate: RateGate | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        self.gate = RateGate(clock) if gate is None else gate
        self._max_in_flight = max_in_flight
        self._slots: anyio.Semaphore | None = None  # made on first use, inside the event loop

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._slots is None:
            import anyio  # a dependency of httpx; imported on first use like elsewhere

            self._slots = anyio.Semaphore(self._max_in_flight)
        slots = self._slots

        async def perform(action: Send | Sleep) -> httpx.Response | Exception | None:
            if isinstance(action, Sleep):
                await self._sleep(action.seconds)  # a backoff does not hold a slot
                return None
            try:
                async with slots:  # held until the body is read, i.e. while the connection is busy
                    response = await self._inner.handle_async_request(request)
                    try:
                        stream = response.stream
                        assert isinstance(stream, httpx.AsyncByteStream)
                        raw = b"".join([chunk async for chunk in stream])
                    finally:
                        await response.aclose()
            except httpx.TransportError as exc:
                return exc
            return _buffered(response, raw, request)

        return await adrive(retry_flow(request, self._policy, self.gate), perform)

    async def aclose(self) -> None:
        await self._inner.aclose()


_CLOSED_MESSAGE = "Cannot send a request, as the client has been closed."


class ClientTransport(httpx.BaseTransport):
    """Sends each request through ``client.send`` (its proxies, TLS settings, pool and hooks apply).

    The pool client's own base_url, headers and timeout are not used: the outer client builds the
    request completely. ``owns_client=False`` leaves closing the pool to its owner.

    ``direct`` is the pool client's own default transport, given only when that client is ours and
    has no proxy mounts (see the module docstring): requests then skip ``client.send`` but still
    refuse to go out once the pool client is closed, as ``client.send`` would.
    """

    def __init__(
        self, client: httpx.Client, *, owns_client: bool, direct: httpx.BaseTransport | None = None
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._direct = direct

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._direct is None:
            return self._client.send(request, stream=True)
        if self._client.is_closed:
            raise RuntimeError(_CLOSED_MESSAGE)
        try:
            return self._direct.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as client.send does
            raise

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


class AsyncClientTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`ClientTransport`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        owns_client: bool,
        direct: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._direct = direct

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._direct is None:
            return await self._client.send(request, stream=True)
        if self._client.is_closed:
            raise RuntimeError(_CLOSED_MESSAGE)
        try:
            return await self._direct.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
