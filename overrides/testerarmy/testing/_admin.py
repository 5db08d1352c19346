"""Admin API under ``/_sim`` (outside ``/api/v1``), for scripting scenarios over HTTP.

Every admin route except ``/_sim/health`` and the two "presigned" helpers (screenshots, upload PUTs)
needs the ``X-Sim-Admin-Token`` header. An API key is never accepted here, in any header: the admin
token is a separate secret, checked by digest, and the simulator refuses to start if it equals a key.

Routes (JSON in and out):
  GET  /_sim/health                      readiness probe
  GET|POST|DELETE /_sim/faults           list / add (FaultSpec JSON) / clear faults
  DELETE /_sim/faults/{id}               remove one fault
  GET|DELETE /_sim/requests              the request log / clear it
  GET  /_sim/runs                        every run (all keys), as the API renders them
  POST /_sim/runs/{id}/start             start a queued run now
  POST /_sim/runs/{id}/complete          finish now: {"result": "PASS"|"FAILED"|"SKIPPED"} (default PASS)
  POST /_sim/runs/{id}/fail              fail now: {"code": "...", "message": "..."} (optional)
  POST /_sim/advance                     {"seconds": N}: move the simulated clock forward
  GET  /_sim/webhooks                    webhook delivery attempts
  GET  /_sim/state                       projects, tests, groups (with group webhook paths)
  GET  /_sim/screenshots/{run}/{n}.png   a placeholder screenshot (no token: like presigned URLs)
  PUT  /_sim/uploads/{storageKey}        step 2 of the two-step mobile upload (no token: presigned)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ._context import ADMIN_HEADER, AppContext
from ._faults import FaultSpec
from ._http import ApiError, Reply, format_validation_error, render_reply
from ._outcomes import COMPLETE_RESULTS, Outcome
from ._state import Conflict, NotFound

__all__ = ["admin_routes"]

# A 1x1 transparent PNG: enough for clients that download screenshot URLs.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

AdminHandler = Callable[[AppContext, Request], Awaitable[Reply]]


def _json(status: int, body: Any) -> Reply:
    return Reply(status, body)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "ValidationError", f"body: Invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ApiError(400, "ValidationError", "body: Expected object")
    return data


def _guarded(ctx: AppContext, handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        token = request.headers.get(ADMIN_HEADER, "")
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        if not token or not hmac.compare_digest(digest, ctx.admin_digest):
            reply = ApiError(
                401, "Unauthorized", f"Admin endpoints need the {ADMIN_HEADER} header (not an API key)"
            ).reply()
            return render_reply(reply)
        try:
            return render_reply(await handler(ctx, request))
        except ApiError as exc:
            return render_reply(exc.reply())
        except NotFound as exc:
            return render_reply(ApiError(404, "NotFound", exc.message).reply())
        except Conflict as exc:
            return render_reply(ApiError(409, "Conflict", exc.message).reply())

    return endpoint


async def _faults_list(ctx: AppContext, request: Request) -> Reply:
    return _json(200, {"faults": ctx.faults.describe()})


async def _faults_add(ctx: AppContext, request: Request) -> Reply:
    data = await _body(request)
    try:
        spec = FaultSpec.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "ValidationError", format_validation_error(exc)) from None
    return _json(201, {"id": ctx.faults.add(spec)})


async def _faults_clear(ctx: AppContext, request: Request) -> Reply:
    ctx.faults.clear()
    return _json(200, {"cleared": True})


async def _faults_remove(ctx: AppContext, request: Request) -> Reply:
    fault_id = str(request.path_params["fault_id"])
    if not ctx.faults.remove(fault_id):
        raise NotFound(f"Fault {fault_id} not found")
    return _json(200, {"deleted": True})


async def _requests_list(ctx: AppContext, request: Request) -> Reply:
    return _json(200, {"requests": [asdict(r) for r in ctx.requests.snapshot()]})


async def _requests_clear(ctx: AppContext, request: Request) -> Reply:
    ctx.requests.clear()
    return _json(200, {"cleared": True})


async def _runs(ctx: AppContext, request: Request) -> Reply:
    runs = [{**ctx.run_json(s), "owner": s.record.owner} for s in ctx.store.snapshots()]
    return _json(200, {"runs": runs})


async def _run_start(ctx: AppContext, request: Request) -> Reply:
    snap = ctx.store.force(str(request.path_params["run_id"]), start=True)
    return _json(200, ctx.run_json(snap))


async def _run_complete(ctx: AppContext, request: Request) -> Reply:
    data = await _body(request)
    result = str(data.get("result", "PASS")).upper()
    outcome = COMPLETE_RESULTS.get(result)
    if outcome is None:
        expected = " | ".join(repr(r) for r in COMPLETE_RESULTS)
        raise ApiError(400, "ValidationError", f"result: Expected {expected}")
    snap = ctx.store.force(str(request.path_params["run_id"]), outcome=outcome)
    ctx.dispatcher.wake()
    return _json(200, ctx.run_json(snap))


async def _run_fail(ctx: AppContext, request: Request) -> Reply:
    data = await _body(request)
    code = str(data.get("code", "WORKER_FAILED"))
    message = str(data.get("message", "Failed through the simulator admin API"))
    error = {"code": code, "message": message}
    snap = ctx.store.force(str(request.path_params["run_id"]), outcome=Outcome.ERROR, error=error)
    ctx.dispatcher.wake()
    return _json(200, ctx.run_json(snap))


async def _advance(ctx: AppContext, request: Request) -> Reply:
    data = await _body(request)
    seconds = data.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < 10**9:
        raise ApiError(400, "ValidationError", "seconds: Expected a number >= 0")
    now = ctx.clock.advance(float(seconds))
    ctx.dispatcher.wake()
    return _json(200, {"now": now})


async def _webhooks(ctx: AppContext, request: Request) -> Reply:
    attempts = [{**asdict(a), "at": a.at.isoformat(), "ok": a.ok} for a in ctx.dispatcher.attempts]
    return _json(200, {"attempts": attempts})


async def _state(ctx: AppContext, request: Request) -> Reply:
    store = ctx.store
    with store.lock:
        body = {
            "projects": [
                {
                    "id": p.id,
                    "shortId": p.short_id,
                    "name": p.name,
                    "webhookPath": f"/api/v1/webhook/{p.webhook_id}/{p.webhook_secret}",
                }
                for p in store.projects.values()
            ],
            "tests": [
                {
                    "id": t.id,
                    "title": t.title,
                    "description": t.description,
                    "enabled": t.enabled,
                    "projectId": t.project_id,
                }
                for t in store.tests.values()
            ],
            "groups": [
                {
                    "id": g.id,
                    "name": g.name,
                    "isDefault": g.is_default,
                    "projectId": g.project_id,
                    "runMode": g.run_mode,
                    "testIds": list(g.test_ids),
                    "webhookPath": f"/api/v1/groups/webhook/{g.webhook_id}/{g.webhook_secret}",
                    "webhookEnabled": g.webhook_enabled,
                }
                for g in store.groups.values()
            ],
        }
    return _json(200, body)


def admin_routes(ctx: AppContext) -> list[BaseRoute]:
    async def health(request: Request) -> Response:
        return render_reply(_json(200, {"ok": True}))

    async def screenshot(request: Request) -> Response:
        return Response(_PNG, media_type="image/png")

    async def upload(request: Request) -> Response:
        body = await request.body()
        try:
            ctx.store.receive_upload(str(request.path_params["key"]), len(body))
        except NotFound as exc:
            return render_reply(ApiError(404, "NotFound", exc.message).reply())
        return Response(status_code=200)

    def guarded(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
        return _guarded(ctx, handler)

    return [
        Route("/health", health, methods=["GET"]),
        Route("/screenshots/{run_id}/{n}.png", screenshot, methods=["GET"]),
        Route("/uploads/{key:path}", upload, methods=["PUT"]),
        Route("/faults", guarded(_faults_list), methods=["GET"]),
        Route("/faults", guarded(_faults_add), methods=["POST"]),
        Route("/faults", guarded(_faults_clear), methods=["DELETE"]),
        Route("/faults/{fault_id}", guarded(_faults_remove), methods=["DELETE"]),
        Route("/requests", guarded(_requests_list), methods=["GET"]),
        Route("/requests", guarded(_requests_clear), methods=["DELETE"]),
        Route("/runs", guarded(_runs), methods=["GET"]),
        Route("/runs/{run_id}/start", guarded(_run_start), methods=["POST"]),
        Route("/runs/{run_id}/complete", guarded(_run_complete), methods=["POST"]),
        Route("/runs/{run_id}/fail", guarded(_run_fail), methods=["POST"]),
        Route("/advance", guarded(_advance), methods=["POST"]),
        Route("/webhooks", guarded(_webhooks), methods=["GET"]),
        Route("/state", guarded(_state), methods=["GET"]),
    ]
