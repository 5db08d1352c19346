"""What every request handler gets: the simulator's state, clock, keys, spec and settings."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from ._crud import ResourceStore
from ._fabricate import Fabricator
from ._faults import FaultSet
from ._http import (
    Reply,
)
from ._lifecycle import SimClock
from ._ratelimit import RateLimiter
from ._render import render_run
from ._requestlog import RequestLog, RequestRecord
from ._spec import ApiSpec, load_spec
from ._state import (
    RunSnapshot,
    Store,
)
from ._webhooks import WebhookDispatcher

__all__ = ["ADMIN_HEADER", "AppContext", "Handler", "KeyRing", "digest"]

ADMIN_HEADER = "x-sim-admin-token"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyRing:
    """Accepted API keys, kept only as SHA-256 digests (lookups compare digests, never the keys)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._digests = {digest(k) for k in keys}

    def owner_of(self, token: str) -> str | None:
        hashed = digest(token)
        return hashed[:16] if hashed in self._digests else None

    def __repr__(self) -> str:
        return f"KeyRing(<{len(self._digests)} keys>)"


@dataclass
class AppContext:
    store: Store
    clock: SimClock
    faults: FaultSet
    requests: RequestLog
    keys: KeyRing
    admin_digest: str
    dispatcher: WebhookDispatcher
    spec: ApiSpec = field(default_factory=load_spec)
    resources: ResourceStore = field(default_factory=ResourceStore)
    seed: int = 0
    # Test-suite mode: every API answer is checked against the spec (see _conformance).
    validate_responses: bool = False
    violations: list[str] = field(default_factory=list)
    limiter: RateLimiter | None = None
    public_base: str = "http://127.0.0.1"
    on_request: Callable[[RequestRecord], None] | None = None
    # Set by Simulator.stop(): injected latency ends early so in-flight requests finish normally
    # instead of being cut off by uvicorn's shutdown (which would answer a plain-text 500).
    closing: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0  # requests being handled (only the server's loop thread writes it)

    def run_json(self, snap: RunSnapshot) -> dict[str, Any]:
        return render_run(snap, self.clock, self.public_base)

    @property
    def fabricator(self) -> Fabricator:
        return Fabricator(self.spec.merged, lambda: self.clock.to_datetime(self.clock.now()))


Handler = Callable[[AppContext, Request, str | None], Awaitable[Reply]]
