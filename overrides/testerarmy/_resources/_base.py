"""The thin I/O layer under the resources: send an :class:`Operation`, drive a wait or a pager.

Everything that decides anything lives elsewhere and is shared: request building in
``_request`` (from the generated operation data), status/JSON handling in ``_response``, the wait
algorithm in ``_polling``, the page walk in ``_paging``. :class:`SyncCore` and
:class:`AsyncCore` only perform actions.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import httpx

from .._errors import APIError, APIResponseValidationError
from .._flow import Sleep, adrive, drive
from .._polling import Fetch, Polled, WaitAction, WaitSettings, wait_flow
from .._response import decode_json, make_status_error, parse_model, translate_transport_errors
from .._retry import parse_retry_after
from .._validation import require_uuid
from ._operation import Operation
from ._paging import CursorPager
from ._request import build_operation

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run
    from testerarmy_api.resources._operation import OperationSpec, RawResponse, Timeout
    from testerarmy_api.types import Unset

    from .._listpoll import ListedPage, ListRuns

__all__ = ["AsyncCore", "OnUpdate", "SyncCore", "finish"]

T = TypeVar("T")
OnUpdate = Callable[["Run"], object]

# How many GETs one batch wait may have in flight at once (async client).
MAX_CONCURRENT_POLLS: Final = 8


def finish(op: Operation[T], response: httpx.Response, secrets: Sequence[str]) -> T:
    """The parsed 2xx body, or the typed error for anything else."""
    if not response.is_success:
        raise make_status_error(response, secrets)
    if op.response == "none":
        return op.parse(None)
    if op.response == "json":
        return op.parse(decode_json(response, op.name) if response.content else None)
    return parse_model(response, op.name, op.parse)


def _request_kwargs(op: Operation[Any]) -> dict[str, Any]:
    # auth=None switches the client's bearer auth off for this one request (group webhook).
    return op.request if op.authenticated else {**op.request, "auth": None}


def _get_run(run_id: str) -> Operation[Run]:
    # The operation data imports the generated models; it loads on first use so that constructing a
    # client stays cheap.
    from testerarmy_api.resources._operations import RUNS_GET
    from testerarmy_api.types import UNSET

    return build_operation(RUNS_GET, {"run_id": run_id}, timeout=UNSET, extra_headers=None)


def _raw(parsed: T, response: httpx.Response) -> RawResponse[T]:
    from testerarmy_api.resources._operation import RawResponse

    return RawResponse(response.status_code, response.headers, parsed, response)


def _polled(run: Run, response: httpx.Response) -> Polled:
    return Polled(run, parse_retry_after(response.headers.get("retry-after"), time.time()))


ClientT = TypeVar("ClientT", httpx.Client, httpx.AsyncClient)
SleepT = TypeVar("SleepT")


class _Core(Generic[ClientT, SleepT]):
    """What both cores hold: the httpx client, the secrets to scrub from errors, clock and sleep.

    A plain slotted class, not a dataclass: it is defined on every import, and two dataclasses
    cost ~0.7 ms of the first call (figure 5, docs/performance.md). No repr shows the secrets.
    """

    __slots__ = ("clock", "http", "secrets", "sleep")
    http: ClientT
    secrets: tuple[str, ...]
    clock: Callable[[], float]
    sleep: Callable[[float], SleepT]

    def __init__(
        self,
        http: ClientT,
        secrets: tuple[str, ...],
        clock: Callable[[], float],
        sleep: Callable[[float], SleepT],
    ) -> None:
        self.http = http
        self.secrets = secrets
        self.clock = clock
        self.sleep = sleep


class SyncCore(_Core[httpx.Client, None]):
    __slots__ = ()

    def send(self, op: Operation[T]) -> tuple[T, httpx.Response]:
        with translate_transport_errors(self.secrets):
            response = self.http.request(**_request_kwargs(op))
        return finish(op, response, self.secrets), response

    def request(self, op: Operation[T]) -> T:
        return self.send(op)[0]

    def call(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> T:
        """The generated resources' entry point (``testerarmy_api.resources._operation.SyncCaller``)."""
        return self.request(build_operation(op, args, timeout=timeout, extra_headers=extra_headers))

    def call_raw(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse[T]:
        built = build_operation(op, args, timeout=timeout, extra_headers=extra_headers)
        return _raw(*self.send(built))

    def paginate(
        self,
        op: OperationSpec[Any],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
        extra_params: Mapping[str, str] | None = None,
    ) -> Iterator[Any]:
        """Every item of a cursor-paged list, page after page (arguments are checked right here)."""
        pager = CursorPager(op, args, timeout=timeout, extra_headers=extra_headers, extra_params=extra_params)
        return self._walk(pager)

    def _walk(self, pager: CursorPager) -> Iterator[Any]:
        while (page := pager.next_operation()) is not None:
            yield from pager.consume(self.request(page))

    def poll(self, run_id: str) -> Polled | APIError:
        try:
            return _polled(*self.send(_get_run(run_id)))
        except APIError as exc:  # the wait flow decides whether it is transient
            return exc

    def list_page(self, action: ListRuns) -> ListedPage | APIError:
        from .._listpoll import listed_page, page_operation

        try:
            return listed_page(*self.send(page_operation(action)))
        except APIError as exc:  # the planner decides what a failed page means
            return exc

    def wait(self, run_ids: Sequence[str], settings: WaitSettings, on_update: OnUpdate | None) -> list[Run]:
        # Loaded with the first wait, not with the client: a first call that only gets a run skips it.
        from .._listpoll import ListRuns, StatusPlanner

        def perform(action: WaitAction | ListRuns) -> object:
            if isinstance(action, Fetch):
                return tuple(self.poll(run_id) for run_id in action.run_ids)
            if isinstance(action, ListRuns):
                return self.list_page(action)
            if isinstance(action, Sleep):
                self.sleep(action.seconds)
            elif on_update is not None:
                on_update(action.run)
            return None

        return drive(wait_flow(run_ids, settings, self.clock, StatusPlanner()), perform)


class AsyncCore(_Core[httpx.AsyncClient, Awaitable[None]]):
    __slots__ = ()

    async def send(self, op: Operation[T]) -> tuple[T, httpx.Response]:
        with translate_transport_errors(self.secrets):
            response = await self.http.request(**_request_kwargs(op))
        return finish(op, response, self.secrets), response

    async def request(self, op: Operation[T]) -> T:
        return (await self.send(op))[0]

    async def call(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> T:
        """The generated resources' entry point (``testerarmy_api.resources._operation.AsyncCaller``)."""
        return await self.request(build_operation(op, args, timeout=timeout, extra_headers=extra_headers))

    async def call_raw(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse[T]:
        built = build_operation(op, args, timeout=timeout, extra_headers=extra_headers)
        return _raw(*await self.send(built))

    def paginate(
        self,
        op: OperationSpec[Any],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
        extra_params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[Any]:
        """``async for item in ...``: the async twin of :meth:`SyncCore.paginate` (same pager)."""
        pager = CursorPager(op, args, timeout=timeout, extra_headers=extra_headers, extra_params=extra_params)
        return self._walk(pager)

    async def _walk(self, pager: CursorPager) -> AsyncIterator[Any]:
        while (page := pager.next_operation()) is not None:
            for item in pager.consume(await self.request(page)):
                yield item

    async def poll(self, run_id: str) -> Polled | APIError:
        try:
            return _polled(*await self.send(_get_run(run_id)))
        except APIError as exc:
            return exc

    async def list_page(self, action: ListRuns) -> ListedPage | APIError:
        from .._listpoll import listed_page, page_operation

        try:
            return listed_page(*await self.send(page_operation(action)))
        except APIError as exc:
            return exc

    async def poll_many(self, run_ids: Sequence[str]) -> tuple[Polled | APIError, ...]:
        if len(run_ids) == 1:
            return (await self.poll(run_ids[0]),)
        import anyio  # httpx depends on anyio; imported here to keep `import testerarmy` light

        results: list[Polled | APIError | None] = [None] * len(run_ids)
        limiter = anyio.CapacityLimiter(MAX_CONCURRENT_POLLS)

        async def poll_into(index: int, run_id: str) -> None:
            async with limiter:
                results[index] = await self.poll(run_id)

        async with anyio.create_task_group() as group:
            for index, run_id in enumerate(run_ids):
                group.start_soon(poll_into, index, run_id)
        done = tuple(result for result in results if result is not None)
        assert len(done) == len(run_ids)
        return done

    async def wait(
        self, run_ids: Sequence[str], settings: WaitSettings, on_update: OnUpdate | None
    ) -> list[Run]:
        from .._listpoll import ListRuns, StatusPlanner

        async def perform(action: WaitAction | ListRuns) -> object:
            if isinstance(action, Fetch):
                return await self.poll_many(action.run_ids)
            if isinstance(action, ListRuns):
                return await self.list_page(action)
            if isinstance(action, Sleep):
                await self.sleep(action.seconds)
            elif on_update is not None:
                result = on_update(action.run)
                if inspect.isawaitable(result):  # async callbacks are welcome in the async client
                    await result
            return None

        return await adrive(wait_flow(run_ids, settings, self.clock, StatusPlanner()), perform)


def require_run_ids(run_ids: object, what: str) -> list[str]:
    """Validated run ids, as canonical strings, for waiting."""
    if isinstance(run_ids, str) or not isinstance(run_ids, Sequence):
        raise TypeError(f"{what} must be a sequence of run ids, got {type(run_ids).__name__}")
    return [str(require_uuid(run_id, f"{what}[{index}]")) for index, run_id in enumerate(run_ids)]


def no_run_ids_error(response: httpx.Response | None, what: str) -> APIResponseValidationError | ValueError:
    message = f"{what}: the API response names no run ids, so there is nothing to wait for"
    if response is None:
        return ValueError(message)
    return APIResponseValidationError(message, response=response)
