"""``Simulator``: the public face of the simulator (configuration, start/stop, test helpers)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from starlette.types import ASGIApp

from ._admin import admin_routes
from ._app import AppContext, KeyRing, build_app
from ._control import SimulatorControl
from ._faultrender import DropLogFilter
from ._faults import FaultSet, FaultSpec
from ._lifecycle import Planner, SimClock
from ._outcomes import Outcome, OutcomePlan, OutcomeRule, parse_outcome
from ._ratelimit import RateLimit, RateLimiter
from ._requestlog import RequestLog, RequestRecord
from ._seeds import DEMO_GROUPS, DEMO_PROJECTS, DEMO_TESTS, SeedGroup, SeedProject, SeedTest, apply_seeds
from ._server import ServerThread
from ._spec import ApiSpec, load_spec
from ._state import (
    FileRecord,
    GroupRecord,
    Limits,
    ProjectRecord,
    Store,
    TestRecord,
    fingerprint,
)
from ._webhooks import WebhookDispatcher, WebhookPolicy

__all__ = ["DEFAULT_API_KEY", "SeedGroup", "SeedProject", "SeedTest", "Simulator"]

DEFAULT_API_KEY = "sk_test_sim"


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key or any(c.isspace() for c in key):
        raise ValueError("API keys must be non-empty strings without whitespace")
    return key


class Simulator(SimulatorControl):
    """A local TesterArmy API on 127.0.0.1, in a background thread.

    >>> with Simulator(time_scale=0.01) as sim:          # doctest: +SKIP
    ...     client = TesterArmy(base_url=sim.url, api_key=sim.api_key)

    Durations (``queue_seconds``, ``run_seconds``, markers, webhook policy) are simulated seconds;
    ``time_scale`` is real seconds per simulated second (``0`` = the clock only moves by ``advance``).
    ``spec`` (default: the normalized spec installed with the package) decides the routes, the
    request checks and the response schemas; ``validate_responses=True`` (the test suites' mode)
    turns every answer that does not match the spec into a 500 naming the field.
    """

    def __init__(
        self,
        *,
        api_keys: Sequence[str] = (DEFAULT_API_KEY,),
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 0.05,
        seed: int = 0,
        queue_seconds: float = 2.0,
        run_seconds: float = 20.0,
        jitter: float = 0.25,
        rules: Sequence[OutcomeRule] = (),
        default_outcome: Outcome | str = Outcome.PASS,
        rate_limit: RateLimit | str | None = None,
        faults: Iterable[FaultSpec | dict[str, Any]] = (),
        projects: Sequence[SeedProject] | None = None,
        tests: Sequence[SeedTest] | None = None,
        groups: Sequence[SeedGroup] | None = None,
        admin_token: str | None = None,
        webhook_timeout: float = 10.0,
        webhook_retry_delays: Sequence[float] = (1.0, 2.0, 4.0),
        webhook_time_scale: float | None = None,
        allow_external_webhooks: bool = False,
        epoch: datetime | None = None,
        log_level: str = "warning",
        on_request: Callable[[RequestRecord], None] | None = None,
        spec: str | Path | Mapping[str, Any] | None = None,
        validate_responses: bool = False,
        limits: Limits | None = None,
    ) -> None:
        if isinstance(api_keys, str):
            raise TypeError("api_keys must be a sequence of keys, e.g. ('sk_test_sim',), not one string")
        keys = tuple(_check_key(k) for k in api_keys)
        if not keys:
            raise ValueError("at least one API key is required")
        self._api_key = keys[0]
        self._admin_token = admin_token or f"simadmin_{secrets.token_urlsafe(24)}"
        if self._admin_token in keys:
            raise ValueError("admin_token must differ from every API key")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {port}")
        self.host = host
        self._time_scale = time_scale
        self._epoch = epoch
        self._planner = Planner(
            seed=seed, queue_seconds=queue_seconds, run_seconds=run_seconds, jitter=jitter
        )
        self._rules = tuple(rules)
        self._default = OutcomePlan(outcome=parse_outcome(default_outcome))
        self._initial_faults = [
            f if isinstance(f, FaultSpec) else FaultSpec.model_validate(f) for f in faults
        ]
        self._seeds = (
            DEMO_PROJECTS if projects is None else tuple(projects),
            DEMO_TESTS if tests is None else tuple(tests),
            DEMO_GROUPS if groups is None else tuple(groups),
        )
        self._limits = limits or Limits()
        self._limit = RateLimit.parse(rate_limit) if isinstance(rate_limit, str) else rate_limit
        self.clock = SimClock(time_scale, epoch=epoch)
        self._store = self._new_store(self.clock)
        self.faults = FaultSet(self._initial_faults)
        self.requests = RequestLog()
        if webhook_time_scale is None:
            webhook_time_scale = time_scale if time_scale > 0 else 0.01
        self._dispatcher = WebhookDispatcher(
            self._store,
            render=lambda snap: self._ctx.run_json(snap),
            policy=WebhookPolicy(
                timeout=webhook_timeout,
                retry_delays=tuple(webhook_retry_delays),
                allow_external=allow_external_webhooks,
            ),
            time_scale=webhook_time_scale,
        )
        self._ctx = AppContext(
            store=self._store,
            clock=self.clock,
            faults=self.faults,
            requests=self.requests,
            keys=KeyRing(keys),
            admin_digest=hashlib.sha256(self._admin_token.encode("utf-8")).hexdigest(),
            dispatcher=self._dispatcher,
            limiter=RateLimiter(self._limit) if self._limit is not None else None,
            on_request=on_request,
            spec=load_spec(spec),
            seed=seed,
            validate_responses=validate_responses,
        )
        self._store.on_change = self._dispatcher.wake
        self._server = ServerThread(
            build_app(self._ctx, admin_routes(self._ctx)), host=host, port=port, log_level=log_level
        )
        self._owner = fingerprint(self._api_key)
        self._seed(*self._seeds)

    def _new_store(self, clock: SimClock) -> Store:
        return Store(
            clock=clock, planner=self._planner, rules=self._rules, default=self._default, limits=self._limits
        )

    def reset(self) -> None:
        """Back to the state right after construction, without restarting the server.

        A new clock, the seeded projects/tests/groups (same ids), no runs, the constructor's faults,
        an empty request log, no webhook attempts (in-flight deliveries are cancelled), fresh rate
        limits. Meant to be called between tests, while no request is in flight.
        """
        # Let stragglers of the previous test finish first (their injected latency ends now), so
        # that none of them lands in the fresh state.
        self._ctx.closing.set()
        deadline = time.monotonic() + 5.0
        while self._ctx.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
        self._ctx.closing.clear()
        self._dispatcher.cancel_deliveries()
        clock = SimClock(self._time_scale, epoch=self._epoch)
        store = self._new_store(clock)
        store.on_change = self._dispatcher.wake
        self.clock = clock
        self._store = store
        self._ctx.clock = clock
        self._ctx.store = store
        self._dispatcher.store = store
        self._dispatcher.clear()
        self.faults.clear()
        for spec in self._initial_faults:
            self.faults.add(spec)
        self.requests.clear()
        self._ctx.resources.clear()
        self._ctx.violations.clear()
        self._ctx.limiter = RateLimiter(self._limit) if self._limit is not None else None
        self._seed(*self._seeds)

    # --- seeding and entities -------------------------------------------------------------------

    def _seed(
        self, projects: Sequence[SeedProject], tests: Sequence[SeedTest], groups: Sequence[SeedGroup]
    ) -> None:
        apply_seeds(self._store, self._owner, projects, tests, groups)

    def add_project(
        self,
        name: str,
        *,
        id: str | None = None,  # noqa: A002
        short_id: str | None = None,
        url: str | None = None,
        description: str | None = None,
        project_type: str = "web",
        webhook_id: str | None = None,
        webhook_secret: str | None = None,
    ) -> ProjectRecord:
        """A project, with its built-in environments and its default group ``All Tests``."""
        return self._store.add_project(
            name,
            id=id,
            short_id=short_id,
            url=url,
            description=description,
            project_type=project_type,
            webhook_id=webhook_id,
            webhook_secret=webhook_secret,
            owner=self._owner,
        )

    def set_pr_groups(self, project_id: str, group_ids: Iterable[str]) -> None:
        """The groups the project's deployment webhook starts (none: the webhook is ignored)."""
        with self._store.lock:
            project = self._store.project(project_id)
            project.pr_group_ids = [self._store.group(g).id for g in group_ids]

    def add_file(
        self,
        project_id: str,
        filename: str,
        *,
        media_type: str = "application/octet-stream",
        file_size: int = 0,
        description: str | None = None,
        summary: str | None = None,
    ) -> FileRecord:
        """A project file (upstream has no upload operation in the API; files come from the dashboard)."""
        return self._store.add_file(
            project_id,
            filename,
            media_type=media_type,
            file_size=file_size,
            description=description,
            summary=summary,
        )

    def project_webhook_url(self, project_id: str) -> str:
        """The full URL of a project's deployment webhook (contains the secret)."""
        project = self._store.project(project_id)
        return f"{self.url}/v1/webhook/{project.webhook_id}/{project.webhook_secret}"

    def add_test(
        self,
        name: str,
        prompt: str = "",
        *,
        id: str | None = None,  # noqa: A002
        project_id: str | None = None,
        enabled: bool = True,
        steps: Iterable[str | dict[str, Any]] = (),
        group_ids: Iterable[str] = (),
    ) -> TestRecord:
        """A test titled ``name``, described by ``prompt``; it joins its project's default group."""
        return self._store.add_test(
            name, prompt, id=id, project_id=project_id, enabled=enabled, steps=steps, group_ids=group_ids
        )

    def add_group(
        self,
        name: str,
        test_ids: Iterable[str] = (),
        *,
        id: str | None = None,  # noqa: A002
        project_id: str | None = None,
        run_mode: str = "concurrent",
        prep_test: str | None = None,
        webhook_id: str | None = None,
        webhook_secret: str | None = None,
        webhook_enabled: bool = True,
        owner_key: str | None = None,
    ) -> GroupRecord:
        """A test group; its webhook-triggered runs belong to ``owner_key`` (default: the first key)."""
        return self._store.add_group(
            name,
            test_ids,
            owner=fingerprint(owner_key) if owner_key else self._owner,
            id=id,
            project_id=project_id,
            run_mode=run_mode,
            prep_test_id=prep_test,
            webhook_id=webhook_id,
            webhook_secret=webhook_secret,
            webhook_enabled=webhook_enabled,
        )

    @property
    def spec(self) -> ApiSpec:
        """The spec this simulator serves (routes, request checks, response checks)."""
        return self._ctx.spec

    @property
    def violations(self) -> list[str]:
        """Answers that did not match the spec (only checked with ``validate_responses=True``)."""
        return list(self._ctx.violations)

    @property
    def projects(self) -> list[ProjectRecord]:
        with self._store.lock:
            return list(self._store.projects.values())

    @property
    def tests(self) -> list[TestRecord]:
        with self._store.lock:
            return list(self._store.tests.values())

    @property
    def groups(self) -> list[GroupRecord]:
        with self._store.lock:
            return list(self._store.groups.values())

    def group_webhook_url(self, group_id: str) -> str:
        """The full URL that triggers a group through its webhook (contains the secret)."""
        group = self._store.group(group_id)
        return f"{self.url}/v1/groups/webhook/{group.webhook_id}/{group.webhook_secret}"

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Self:
        uvicorn_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, DropLogFilter) for f in uvicorn_log.filters):
            uvicorn_log.addFilter(DropLogFilter())
        port = self._server.start(timeout=timeout)
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)  # noqa: S104 - display only
        self._ctx.public_base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._ctx.closing.set()
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server.running

    @property
    def app(self) -> ASGIApp:
        """The ASGI app itself, for in-process use (e.g. ``httpx.ASGITransport``; no webhooks then)."""
        return self._server.app

    @property
    def port(self) -> int:
        if self._server.port is None:
            raise RuntimeError("the simulator is not started")
        return self._server.port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the admin API lives at ``root_url + "/_sim"``)."""
        if self._server.port is None:
            raise RuntimeError("the simulator is not started")
        return self._ctx.public_base

    @property
    def url(self) -> str:
        """Base URL for clients, like production's ``https://tester.army/api``."""
        return f"{self.root_url}/api"

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}/_sim"

    @property
    def api_key(self) -> str:
        """The first configured key (a test key; the simulator never prints or logs it)."""
        return self._api_key

    @property
    def admin_token(self) -> str:
        """Value for the ``X-Sim-Admin-Token`` header of the admin API."""
        return self._admin_token

    def __repr__(self) -> str:
        where = self._ctx.public_base if self._server.port is not None else "not started"
        return f"Simulator({where}, running={self.running}, time_scale={self.clock.time_scale:g})"
