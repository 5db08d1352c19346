"""``TesterArmy`` and ``AsyncTesterArmy``: configuration, the connection pool, the resources.

Both classes share everything except the httpx client flavour: option resolution
(``_config``), retries (``_transport``/``_retry``), request building and parsing
(``_resources/_request`` from the generated operation data, ``_response``) and the wait
algorithm (``_polling``). The resources themselves are generated (``testerarmy_api.resources``).
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Awaitable, Callable, Generator, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, cast

import httpx

from ._config import (
    DEFAULT_MAX_RETRIES,
    NOT_GIVEN,
    ClientOptions,
    NotGiven,
    RedactedStr,
    Secret,
    resolve_options,
)
from ._logging import REDACTED, install_httpx_log_redaction
from ._resources._base import AsyncCore, SyncCore
from ._resources._facade import AsyncFacadeResources, SyncFacadeResources
from ._resources._registry import bound_operations
from ._retry import RetryPolicy
from ._transport import AsyncClientTransport, AsyncRetryTransport, ClientTransport, RetryTransport

if TYPE_CHECKING:
    from testerarmy_api.client import AuthenticatedClient


__all__ = ["AsyncTesterArmy", "TesterArmy"]

Timeout = float | httpx.Timeout | None


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` per request.

    Auth (rather than a default header) lets a single request opt out (``auth=None``: the group
    webhook needs no key), and httpx drops it on redirects to another origin.
    """

    def __init__(self, key: Secret) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key.reveal()}"
        yield request

    def __repr__(self) -> str:
        return f"BearerAuth({REDACTED})"


def _options(
    current: ClientOptions | None,
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: Timeout | NotGiven,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    allow_insecure_http: bool | None,
) -> ClientOptions:
    """Resolve options for a new client, or for a ``with_options`` copy of ``current``."""
    if current is None:
        return resolve_options(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            default_headers=default_headers,
            # Not bool(...): allow_insecure_http="false" must be refused, not read as True.
            allow_insecure_http=False if allow_insecure_http is None else allow_insecure_http,
        )
    return resolve_options(
        api_key=current.api_key if api_key is None else api_key,
        base_url=current.base_url if base_url is None else base_url,
        timeout=current.timeout if isinstance(timeout, NotGiven) else timeout,
        max_retries=current.max_retries if max_retries is None else max_retries,
        default_headers={**dict(current.default_headers), **(default_headers or {})},
        allow_insecure_http=current.allow_insecure_http
        if allow_insecure_http is None
        else allow_insecure_http,
    )


def _outer_client_kwargs(options: ClientOptions) -> dict[str, Any]:
    install_httpx_log_redaction()
    return {
        "base_url": options.base_url,
        "auth": _BearerAuth(options.api_key),
        "headers": options.headers(),
        "timeout": options.timeout,
        # An API call has no business being redirected; following one could downgrade a POST to a
        # GET or carry the key elsewhere. 3xx surfaces as an APIStatusError naming the Location.
        "follow_redirects": False,
    }


def _api_client(options: ClientOptions) -> AuthenticatedClient:
    from testerarmy_api.client import AuthenticatedClient

    return AuthenticatedClient(
        base_url=options.base_url,
        token=RedactedStr(options.api_key.reveal()),
        timeout=options.timeout,
        follow_redirects=False,
    )


def _environment_names_a_proxy() -> bool:
    """Whether httpx would mount proxy transports on a default client (the same test httpx applies to
    ``urllib.request.getproxies()``: an ``http``, ``https`` or ``all`` proxy; ``no_proxy`` alone mounts
    nothing but the default transport)."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


PoolT = TypeVar("PoolT", httpx.Client, httpx.AsyncClient)
SleepT = TypeVar("SleepT", Callable[[float], None], Callable[[float], Awaitable[None]])


class _ClientBase(Generic[PoolT, SleepT]):
    """What the sync and async clients share: option handling, ``with_options``, repr."""

    __test__ = False  # TesterArmy starts with "Test": pytest must not collect it from users' test modules

    # The flavour-specific classes; everything else is shared.
    # (Typed loosely: mypy cannot tie four class attributes to one flavour; the subclasses below
    # pin the pairs and declare the precise types of _http and _core.)
    _pool_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]
    _transport_class: ClassVar[Callable[..., Any]]
    _forwarder_class: ClassVar[Callable[..., Any]]
    _retrier_class: ClassVar[Callable[..., Any]]
    _core_class: ClassVar[Callable[..., Any]]
    _http: Any
    _options: ClientOptions
    _pool: PoolT
    _direct: Any
    _clock: Callable[[], float]
    _sleep: SleepT
    _core: Any

    def _init(
        self,
        options: ClientOptions,
        http_client: PoolT | None,
        clock: Callable[[], float] | None,
        sleep: SleepT,
    ) -> None:
        if http_client is not None and not isinstance(http_client, self._pool_class):
            raise TypeError(
                f"http_client must be an {self._pool_class.__module__}.{self._pool_class.__name__} "
                f"for {type(self).__name__}, got {type(http_client).__name__}"
            )
        direct = None
        if http_client is not None:
            pool: Any = http_client
        elif _environment_names_a_proxy():
            # Our own pool client: default TLS, environment proxies (trust_env), no redirects.
            pool = self._pool_class(follow_redirects=False)
        else:
            # The same client, built on a default transport we keep a handle on: with no proxy to
            # route to, requests go straight to it (see _transport; the pool client still owns it).
            direct = self._transport_class()
            pool = self._pool_class(follow_redirects=False, transport=direct)
        self._setup(
            options, cast(PoolT, pool), owns_pool=http_client is None, clock=clock, sleep=sleep, direct=direct
        )

    def _setup(
        self,
        options: ClientOptions,
        pool: PoolT,
        *,
        owns_pool: bool,
        clock: Callable[[], float] | None,
        sleep: SleepT,
        direct: httpx.HTTPTransport | httpx.AsyncHTTPTransport | None,
    ) -> None:
        # outer httpx client (base URL, auth, headers, timeout) -> retries -> the pool client
        # (or, with `direct`, the pool client's default transport)
        self._options = options
        self._pool = pool
        self._direct = direct
        self._clock = time.monotonic if clock is None else clock
        self._sleep = sleep
        forward = self._forwarder_class(pool, owns_client=owns_pool, direct=direct)
        transport = self._retrier_class(forward, RetryPolicy(max_retries=options.max_retries), sleep=sleep)
        self._http = self._pool_class(transport=transport, **_outer_client_kwargs(options))
        self._core = self._core_class(self._http, (options.api_key.reveal(),), self._clock, sleep)

    @cached_property
    def operations(self) -> Mapping[str, Callable[..., Any]]:
        """Read-only ``{"METHOD /path": bound method}`` for every operation of the spec
        (e.g. ``client.operations["GET /v1/runs/{id}"](run_id)``)."""
        return bound_operations(self)

    @property
    def base_url(self) -> str:
        return self._options.base_url

    @property
    def max_retries(self) -> int:
        return self._options.max_retries

    @property
    def timeout(self) -> httpx.Timeout | None:
        return self._options.timeout

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool | None = None,
    ) -> Self:
        """A copy with some options changed, sharing this client's connection pool.

        ``client.with_options(timeout=5, max_retries=0).runs.get(run_id)`` is the per-call override.
        ``default_headers`` are added to the current ones. Closing the copy does not close the
        pool; close the original when done.
        """
        options = _options(
            self._options,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
        )
        copy = object.__new__(type(self))
        copy._setup(
            options, self._pool, owns_pool=False, clock=self._clock, sleep=self._sleep, direct=self._direct
        )
        return copy

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries}, "
            f"timeout={self.timeout!r})"
        )


class TesterArmy(_ClientBase[httpx.Client, Callable[[float], None]], SyncFacadeResources):
    """Synchronous TesterArmy client.

    Args:
        api_key: ``sk_...`` key; defaults to ``$TESTERARMY_API_KEY``.
        base_url: defaults to ``$TESTERARMY_BASE_URL``, else ``https://tester.army/api``.
        timeout: seconds or an ``httpx.Timeout`` (default 60 s, 10 s to connect); ``None`` = none.
        max_retries: retries of a failed request (default 2), within the idempotency rules.
        http_client: your own ``httpx.Client`` (proxies, TLS, limits, event hooks); requests are
            sent through it with ``client.send`` and it is not closed by :meth:`close`.
        default_headers: extra headers on every request (not ``Authorization``).
        allow_insecure_http: allow ``http://`` to a non-loopback host.
        clock, sleep: monotonic clock and sleep used by retries and polling (tests inject fakes).
    """

    _pool_class = httpx.Client
    _transport_class = httpx.HTTPTransport
    _forwarder_class = ClientTransport
    _retrier_class = RetryTransport
    _core_class = SyncCore
    _http: httpx.Client
    _core: SyncCore

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        options = _options(
            None,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
        )
        self._init(options, http_client, clock, time.sleep if sleep is None else sleep)

    @cached_property
    def api(self) -> AuthenticatedClient:
        """The generated ``AuthenticatedClient`` on this client's httpx client (same auth, timeout,
        retries and logging), for ``testerarmy_api.api.<resource>.<op>.sync_detailed(client=...)``
        and raw responses. It keeps the generated (non-raising) semantics."""
        return _api_client(self._options).set_httpx_client(self._http)

    def close(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # a dependency of httpx; imported on first use to keep `import testerarmy` light

    await anyio.sleep(seconds)


class AsyncTesterArmy(
    _ClientBase[httpx.AsyncClient, Callable[[float], Awaitable[None]]], AsyncFacadeResources
):
    """Asynchronous TesterArmy client (asyncio or trio); same arguments as :class:`TesterArmy`,
    with ``http_client`` an ``httpx.AsyncClient`` and ``sleep`` an async function. Batch waits
    (``groups.trigger_and_wait``, ``batches.rerun_and_wait``, ``runs.wait_many``) poll their runs
    concurrently."""

    _pool_class = httpx.AsyncClient
    _transport_class = httpx.AsyncHTTPTransport
    _forwarder_class = AsyncClientTransport
    _retrier_class = AsyncRetryTransport
    _core_class = AsyncCore
    _http: httpx.AsyncClient
    _core: AsyncCore

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        options = _options(
            None,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
        )
        self._init(options, http_client, clock, _anyio_sleep if sleep is None else sleep)

    @cached_property
    def api(self) -> AuthenticatedClient:
        """The generated client on this client's ``httpx.AsyncClient``: use the ``asyncio*`` functions."""
        return _api_client(self._options).set_async_httpx_client(self._http)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
