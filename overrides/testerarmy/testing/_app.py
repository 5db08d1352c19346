"""The ASGI application: the spec's operations under ``/api``, the admin API under ``/_sim``.

Routes come from the spec (``_spec``), one per path, dispatching on the method. Every API request
goes through ``_endpoint``: injected fault (before the handler) -> authentication -> rate limit ->
behaviour (``_behaviours``; or ``_crud.serve_generic`` for an operation without one) -> response
check against the spec (test-suite mode) -> injected fault (after the handler) -> response.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._behaviours import UNDECLARED_FIELDS, Operation, operations_of
from ._conformance import response_violations
from ._context import ADMIN_HEADER, AppContext, KeyRing
from ._crud import serve_generic
from ._faultrender import fault_response
from ._http import ApiError, Reply, render_reply
from ._ratelimit import RateLimiter
from ._requestlog import RequestRecord, visible_headers
from ._requests import check_parameters, check_request
from ._state import (
    Conflict,
    Invalid,
    Limit,
    NotFound,
)

__all__ = ["ADMIN_HEADER", "AppContext", "KeyRing", "build_app"]

logger = logging.getLogger("testerarmy.testing")


# --- dispatch -----------------------------------------------------------------------------------


def _authenticate(ctx: AppContext, request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise ApiError(401, "Unauthorized", "Missing API key: send the header 'Authorization: Bearer <key>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Unauthorized", "Malformed Authorization header: expected 'Bearer <key>'")
    owner = ctx.keys.owner_of(token.strip())
    if owner is None:
        raise ApiError(401, "Unauthorized", "Invalid API key (unknown, revoked or malformed)")
    return owner


async def _generic(ctx: AppContext, op: Operation, request: Request) -> Reply:
    checked = await check_request(ctx.spec, op.spec, request, request.path_params)
    return serve_generic(ctx.spec, ctx.resources, ctx.fabricator, op.spec, checked, ctx.seed)


def _conformed(ctx: AppContext, op: Operation, reply: Reply) -> Reply:
    """The reply, or (test-suite mode) a 500 naming each way it differs from the spec."""
    extras = UNDECLARED_FIELDS.get(op.key, frozenset())
    problems = response_violations(ctx.spec, op.spec, reply.status, reply.body, extras)
    if not problems:
        return reply
    ctx.violations.extend(problems)
    logger.error("simulator answer does not match the spec: %s", "; ".join(problems))
    message = "Simulator answer does not match the spec: " + "; ".join(problems)
    return ApiError(500, "SimulatorSpecViolation", message).reply()


async def _handle(ctx: AppContext, op: Operation, request: Request) -> Reply:
    reply = await _handle_unchecked(ctx, op, request)
    return _conformed(ctx, op, reply) if ctx.validate_responses else reply


async def _handle_unchecked(ctx: AppContext, op: Operation, request: Request) -> Reply:
    try:
        owner = _authenticate(ctx, request) if op.spec.auth else None
        if ctx.limiter is not None:
            wait = ctx.limiter.acquire(owner or f"anon:{request.client.host if request.client else '?'}")
            if wait > 0:
                retry = RateLimiter.retry_after_header(wait)
                raise ApiError(
                    429,
                    "RateLimited",
                    f"Too many requests: limit is {ctx.limiter.limit.requests} per "
                    f"{ctx.limiter.limit.per:g} s; retry after {retry} s",
                    headers={"Retry-After": retry},
                )
        if op.handler is None:
            return await _generic(ctx, op, request)
        info = request.scope.setdefault("testerarmy_sim", {})
        info["spec"], info["spec_op"] = ctx.spec, op.spec
        check_parameters(ctx.spec, op.spec, request, request.path_params)
        return await op.handler(ctx, request, owner)
    except ApiError as exc:
        return exc.reply()
    except NotFound as exc:
        return _documented_or_400(op, 404, "NotFound", exc.message)
    except Invalid as exc:
        return ApiError(400, "ValidationError", exc.message).reply()
    except Conflict as exc:
        return _documented_or_400(op, 409, "Conflict", exc.message)
    except Limit as exc:
        body = {"error": "ProjectLimitExceeded", "message": exc.message}
        return Reply(403, {**body, "currentCount": exc.current, "limit": exc.limit})


def _documented_or_400(op: Operation, status: int, code: str, message: str) -> Reply:
    """``status`` where the spec documents it for the operation, else its documented 400.

    Upstream lists 404/409 only on some operations (e.g. not on DELETE /v1/tests/{testId}); an
    answer the spec does not document would break clients generated from it.
    """
    if op.spec.response_schema(status)[0]:
        return ApiError(status, code, message).reply()
    return ApiError(400, "ValidationError", message).reply()


async def _delay(ctx: AppContext, seconds: float) -> None:
    """Injected latency, cut short when the simulator is stopping."""
    deadline = time.monotonic() + seconds
    while not ctx.closing.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.05))


def _endpoint(ctx: AppContext, op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        info = request.scope.setdefault("testerarmy_sim", {})
        info["operation"] = op.id
        hit = ctx.faults.match(request.method, request.url.path.removeprefix("/api"), op.id)
        if hit is None:
            return render_reply(await _handle(ctx, op, request))
        info["fault"] = hit.fault_id
        first = hit.spec.needs_handler_first
        if hit.spec.latency and not first:
            await _delay(ctx, hit.spec.latency)
        handled = await _handle(ctx, op, request) if first or not hit.spec.replaces_response else None
        if hit.spec.latency and first:
            await _delay(ctx, hit.spec.latency)
        if not hit.spec.replaces_response and not hit.spec.mutate and hit.spec.body is None:
            assert handled is not None
            return render_reply(handled)  # a latency-only fault
        if hit.spec.body == "drop":
            # Read the whole request before closing: a socket closed with unread bytes in its
            # receive buffer makes the kernel send RST (the client sees ECONNRESET, sometimes even
            # before it reads the partial response) instead of FIN after the partial response.
            await request.body()
        return fault_response(hit, handled)

    endpoint.__name__ = "".join(c if c.isalnum() else "_" for c in op.id)
    return endpoint


class _LogMiddleware:
    """Outermost layer: records every request (without secrets) once its response has started."""

    def __init__(self, app: ASGIApp, ctx: AppContext) -> None:
        self.app = app
        self.ctx = ctx
        self._date_cache: tuple[int, bytes] = (-1, b"")

    def _date(self) -> bytes:
        """The Date header from the simulated clock (formatted once per simulated second)."""
        clock = self.ctx.clock
        when = clock.to_datetime(clock.now())
        second = int(when.timestamp())
        if self._date_cache[0] != second:
            text = email.utils.format_datetime(when.replace(microsecond=0), usegmt=True)
            self._date_cache = (second, text.encode("ascii"))
        return self._date_cache[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info: dict[str, Any] = {}
        scope["testerarmy_sim"] = info
        started = time.perf_counter()
        status = 0
        recorded = False

        def record(complete: bool) -> None:
            # Called before the last body chunk goes out, so that a client which has its response
            # can already see the request in sim.requests.
            nonlocal recorded
            if recorded:
                return
            recorded = True
            entry = RequestRecord(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                operation=info.get("operation"),
                status=status,
                json=info.get("json"),
                headers=visible_headers(scope.get("headers", [])),
                fault=info.get("fault"),
                dropped=bool(status) and not complete,
                duration=time.perf_counter() - started,
            )
            if not scope["path"].startswith("/_sim/"):
                self.ctx.requests.append(entry)
            if self.ctx.on_request is not None:
                self.ctx.on_request(entry)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Date follows the simulated clock, like every timestamp in the bodies, so that the
                # server time a client sees agrees with createdAt & co at any time scale.
                headers = [*message.get("headers", []), (b"date", self._date())]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record(complete=True)
            await send(message)

        self.ctx.in_flight += 1
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.ctx.in_flight -= 1
            record(complete=False)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        reply = ApiError(
            405, "MethodNotAllowed", f"{request.method} is not allowed on {request.url.path}"
        ).reply()
    elif exc.status_code == 404:
        reply = ApiError(404, "NotFound", f"No route for {request.method} {request.url.path}").reply()
    else:
        reply = ApiError(exc.status_code, "Error", str(exc.detail)).reply()
    return render_reply(Reply(reply.status, reply.body, headers=dict(exc.headers or {})))


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.error("simulator bug while handling %s %s", request.method, request.url.path, exc_info=exc)
    return render_reply(ApiError(500, "InternalError", "Internal error in the simulator (a bug)").reply())


def _by_method(
    endpoints: dict[str, Callable[[Request], Awaitable[Response]]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Starlette adds HEAD to GET routes: answer it as the GET (uvicorn drops the body).
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return endpoint


class _ApiRoute(Route):
    """A route that yields a path to the more concrete routes that also match it.

    OpenAPI matches concrete paths before templated ones, so ``DELETE .../mobile/upload`` is a
    method the upload path does not have (405, ``Allow: POST``), not a delete of an app "upload".
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        methods: list[str],
        concrete: list[Route],
    ) -> None:
        super().__init__(path, endpoint=endpoint, methods=methods)
        self.concrete = concrete

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE and any(r.matches(scope)[0] is not Match.NONE for r in self.concrete):
            return Match.NONE, {}
        return match, child_scope


def build_app(ctx: AppContext, admin_routes: list[BaseRoute]) -> ASGIApp:
    # One route per path, dispatching on the method, so that a 405 lists every allowed method.
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for op in operations_of(ctx.spec):
        by_path.setdefault(op.path, {})[op.method] = _endpoint(ctx, op)
    # Concrete paths before templated ones, as OpenAPI matches them: ".../mobile/upload" is never
    # ".../mobile/{appId}" with appId "upload" (a 405 there advertised "Allow: DELETE", and DELETE
    # answered 400 "appId: Invalid uuid" instead of 405).
    api_routes: list[BaseRoute] = []
    concrete_routes: list[Route] = []
    for path, endpoints in sorted(by_path.items(), key=lambda item: item[0].count("{")):
        concrete = [r for r in concrete_routes if r.path.count("{") < path.count("{")]
        route = _ApiRoute(path, _by_method(endpoints), list(endpoints), concrete)
        concrete_routes.append(route)
        api_routes.append(route)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(ctx.dispatcher.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[Mount("/api", routes=api_routes), Mount("/_sim", routes=admin_routes)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    return _LogMiddleware(app, ctx)
