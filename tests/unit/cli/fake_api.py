"""A small stateful stand-in for the TesterArmy API, in the published spec's shapes.

For CLI tests of what the simulator does not serve yet in those shapes (FAILED verdicts with
issues, planner-skipped runs, group triggers, batches) and of faults on run-creating requests.
It is a plain function of (method, path, body) so that both an ``httpx.MockTransport`` (unit tests)
and a real HTTP server (the subprocess tests, ``serve``) can use it. Prompt markers choose how a
run ends: ``[fake:fail]``, ``[fake:skip]``, ``[fake:error]``, ``[fake:cancel]``, ``[fake:hang]``;
a run finishes on its second poll.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

CREATED_AT = "2026-07-21T10:00:00Z"
FINISHED = {"completed", "failed", "cancelled"}


@dataclass
class FakeRun:
    id: str
    prompt: str
    test_id: str | None = None
    polls: int = 0
    status: str = "queued"


@dataclass
class FakeApi:
    runs: dict[str, FakeRun] = field(default_factory=dict)
    tests: dict[str, str] = field(default_factory=dict)  # id -> title (the prompt is the title)
    groups: dict[str, list[str]] = field(default_factory=dict)  # id -> test ids
    batches: dict[str, list[str]] = field(default_factory=dict)  # id -> run ids
    batch_groups: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    #: the most runs that were unfinished at one time
    max_in_flight: int = 0
    #: answer the next run-creating request like this instead: a status code, "drop" or "timeout"
    next_create_fault: int | str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- set-up -------------------------------------------------------------------------------

    def add_test(self, title: str) -> str:
        test_id = str(uuid.uuid4())
        self.tests[test_id] = title
        return test_id

    def add_group(self, *titles: str) -> str:
        group_id = str(uuid.uuid4())
        self.groups[group_id] = [self.add_test(title) for title in titles]
        return group_id

    def created(self, method: str = "POST") -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] == method]

    # --- behaviour ----------------------------------------------------------------------------

    def _new_run(self, prompt: str, test_id: str | None = None) -> FakeRun:
        run = FakeRun(str(uuid.uuid4()), prompt, test_id)
        self.runs[run.id] = run
        in_flight = sum(1 for r in self.runs.values() if r.status not in FINISHED)
        self.max_in_flight = max(self.max_in_flight, in_flight)
        return run

    def _advance(self, run: FakeRun) -> None:
        if run.status in FINISHED or "[fake:hang]" in run.prompt:
            if "[fake:hang]" in run.prompt:
                run.status = "running"
            return
        run.polls += 1
        if run.polls == 1:
            run.status = "running"
        elif "[fake:error]" in run.prompt:
            run.status = "failed"
        elif "[fake:cancel]" in run.prompt:
            run.status = "cancelled"
        else:
            run.status = "completed"

    def render(self, run: FakeRun) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": run.id,
            "type": "test" if run.test_id else "ci",
            "status": run.status,
            "input": {"testId": run.test_id} if run.test_id else {"prompt": run.prompt},
            "createdAt": CREATED_AT,
        }
        if run.test_id:
            data["testId"] = run.test_id
        if run.status == "failed":
            data["error"] = {"code": "BROWSER_START", "message": "Browser did not start"}
        if run.status == "completed":
            data["durationMs"] = 12_500
            if "[fake:skip]" in run.prompt:
                data["output"] = {"kind": "planner_skipped", "reason": "Nothing to test on this page"}
            elif "[fake:fail]" in run.prompt:
                data["output"] = {
                    "featureName": "Checkout",
                    "result": "FAILED",
                    "description": "The pay button does nothing",
                    "screenshots": [],
                    "issues": [
                        {"type": "issue", "name": "Pay button dead", "description": "No request on click",
                         "url": "https://shop.example/checkout", "severity": 4},
                        {"type": "warning", "name": "Slow page", "description": "3 s to first paint",
                         "url": "https://shop.example/checkout", "severity": 2},
                    ],
                }  # fmt: skip
            else:
                data["output"] = {
                    "featureName": "Landing",
                    "result": "PASS",
                    "description": "Everything works",
                    "screenshots": [],
                    "issues": [],
                }
        return data

    def _create_fault(self) -> tuple[int, Any] | None:
        fault, self.next_create_fault = self.next_create_fault, None
        if isinstance(fault, int):
            return fault, {"error": "upstream", "message": "Bad gateway"}
        if fault is not None:
            raise {"drop": httpx.RemoteProtocolError, "timeout": httpx.ReadTimeout}[fault](fault)
        return None

    def _trigger_batch(self, group_id: str, test_ids: list[str]) -> dict[str, Any]:
        runs = [self._new_run(self.tests[test_id], test_id) for test_id in test_ids]
        batch_id = str(uuid.uuid4())
        self.batches[batch_id] = [run.id for run in runs]
        self.batch_groups[batch_id] = group_id
        ids = [run.id for run in runs]
        return {"status": "queued", "groupId": group_id, "batchId": batch_id, "runIds": ids,
                "queuedRunIds": ids, "cancelledRunIds": [], "count": len(ids)}  # fmt: skip

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, path, body))
            parts = path.removeprefix("/api").strip("/").split("/")
            match method, parts:
                case "POST", ["v1", "runs"]:
                    fault = self._create_fault()
                    if fault:
                        return fault
                    run = self._new_run(body["prompt"])
                    return 201, {"id": run.id, "status": "queued", "createdAt": CREATED_AT}
                case "GET", ["v1", "runs", run_id] if run_id in self.runs:
                    self._advance(self.runs[run_id])
                    return 200, self.render(self.runs[run_id])
                case "POST", ["v1", "runs", run_id, "cancel"] if run_id in self.runs:
                    self.runs[run_id].status = "cancelled"
                    return 200, {"id": run_id, "status": "cancelled"}
                case "GET", ["v1", "tests", test_id] if test_id in self.tests:
                    return 200, {"id": test_id, "title": self.tests[test_id], "steps": []}
                case "POST", ["v1", "tests", test_id, "runs"] if test_id in self.tests:
                    fault = self._create_fault()
                    if fault:
                        return fault
                    run = self._new_run(self.tests[test_id], test_id)
                    return 202, {"status": "queued", "runId": run.id, "testId": test_id}
                case "POST", ["v1", "groups", group_id, "runs"] if group_id in self.groups:
                    fault = self._create_fault()
                    return fault or (202, self._trigger_batch(group_id, self.groups[group_id]))
                case "POST", ["v1", "batches", batch_id, "cancel"] if batch_id in self.batches:
                    runs = [self.runs[run_id] for run_id in self.batches[batch_id]]
                    done = [run.id for run in runs if run.status in FINISHED]
                    for run in runs:
                        if run.status not in FINISHED:
                            run.status = "cancelled"
                    cancelled = [run.id for run in runs if run.id not in done]
                    return 200, {
                        "batchId": batch_id, "cancelled": len(cancelled), "alreadyFinished": len(done),
                        "cancelledRunIds": cancelled, "alreadyFinishedRunIds": done,
                    }  # fmt: skip
                case "POST", ["v1", "batches", batch_id, "rerun"] if batch_id in self.batches:
                    test_ids = [self.runs[run_id].test_id or "" for run_id in self.batches[batch_id]]
                    answer = self._trigger_batch(self.batch_groups[batch_id], test_ids)
                    return 202, {**answer, "sourceBatchId": batch_id, "skippedTestIds": []}
            return 404, {"error": "not_found", "message": f"no route {method} {path}"}

    # --- transports ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        status, data = self.answer(request.method, request.url.path, body)
        return httpx.Response(status, json=data)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@contextmanager
def serve(api: FakeApi, key: str) -> Iterator[str]:
    """``api`` over real HTTP on 127.0.0.1; yields the origin (``http://127.0.0.1:PORT``)."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            if self.headers.get("authorization") != f"Bearer {key}":
                status, data = 401, {"error": "unauthorized", "message": "bad key"}
            else:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, data = api.answer(
                    self.command, self.path.split("?")[0], json.loads(raw) if raw else None
                )
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _reply

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
