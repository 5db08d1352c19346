"""The receiver example of docs/client.md, run for real: the simulator delivers, parse_webhook parses."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from .conftest import FAST_WAIT

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[3] / "docs" / "client.md"


def example_namespace() -> dict[str, Any]:
    """Execute the code block that follows the receiver marker in the docs (minus the server loop)."""
    text = DOC.read_text()
    match = re.search(r"<!-- webhook-receiver-example -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "receiver example not found in docs/client.md"
    namespace: dict[str, Any] = {"__name__": "receiver_example"}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)
    return namespace


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[ta.Run]]]:
    namespace = example_namespace()
    handled: list[ta.Run] = []
    namespace["handle"] = handled.append  # the example's hook for "your code"
    server = make_server("127.0.0.1", 0, namespace["app"], handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/testerarmy", handled
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_documented_receiver_gets_the_finished_run(
    sim: Simulator, receiver: tuple[str, list[ta.Run]]
) -> None:
    url, handled = receiver
    with ta.TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
        final = client.runs.create_and_wait(prompt="Check the cart [sim:fail]", webhook_url=url, **FAST_WAIT)
        deadline = time.monotonic() + 5
        while not handled and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(handled) == 1
    delivered = handled[0]
    assert delivered.id == final.id
    assert delivered.status == final.status == "completed"
    assert delivered.output.result == final.output.result
    attempts = [a for a in sim.webhook_deliveries if a.run_id == str(final.id)]
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 204)]


def test_documented_receiver_rejects_garbage() -> None:
    namespace = example_namespace()
    statuses: list[str] = []
    body = b'{"id": 5}'
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    answer = namespace["app"](environ, lambda status, headers: statuses.append(status))
    assert statuses == ["400 Bad Request"]
    assert b"id must be a string" in b"".join(answer)


def _post(body: bytes, length: str | None = None) -> tuple[str, bytes]:
    namespace = example_namespace()
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)) if length is None else length,
        "wsgi.input": io.BytesIO(body),
    }
    answer = namespace["app"](environ, lambda status, headers: statuses.append(status))
    return statuses[0], b"".join(answer)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200000 + b"]" * 200000,  # used to escape `except ValueError` as RecursionError
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b"\xff" * 100,
        b"",
    ],
)
def test_documented_receiver_answers_hostile_bodies_with_400(body: bytes) -> None:
    status, _answer = _post(body)
    assert status == "400 Bad Request"


@pytest.mark.parametrize("length", [str(ta.MAX_WEBHOOK_BYTES + 1), "-5", "lots"])
def test_documented_receiver_refuses_to_read_an_oversized_or_bogus_length(length: str) -> None:
    status, _answer = _post(b"{}", length)
    assert status == "413 Content Too Large"


def readme_app() -> Any:
    """The README's receiver (its last line, the server loop, left out)."""
    text = (DOC.parents[1] / "README.md").read_text()
    match = re.search(r"### Receiving webhooks.*?```python\n(.*?)```", text, re.DOTALL)
    assert match, "receiver example not found in README.md"
    code = match.group(1).replace('make_server("0.0.0.0", 8000, app).serve_forever()', "")
    namespace: dict[str, Any] = {"__name__": "readme_receiver"}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["app"]


@pytest.mark.parametrize(
    ("body", "length", "status"),
    [
        (b"[" * 200000 + b"]" * 200000, None, "400 Bad Request"),
        (b"\xff\xfe", None, "400 Bad Request"),
        (b"{}", str(ta.MAX_WEBHOOK_BYTES + 1), "400 Bad Request"),
        (b"{}", "lots", "400 Bad Request"),
        (b"{}", "-1", "400 Bad Request"),
    ],
)
def test_readme_receiver_answers_hostile_requests_with_400(
    body: bytes, length: str | None, status: str
) -> None:
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)) if length is None else length,
        "wsgi.input": io.BytesIO(body),
    }
    readme_app()(environ, lambda got, headers: statuses.append(got))
    assert statuses == [status]


def test_readme_receiver_accepts_the_published_delivery_once() -> None:
    example = DOC.parents[1] / "tests" / "contract" / "examples" / "webhook_payload.json"
    payload = {k: v for k, v in json.loads(example.read_text()).items() if not k.startswith("_")}
    body = json.dumps(payload).encode()
    app = readme_app()
    statuses: list[str] = []
    for _ in range(2):  # a repeated delivery is answered 2xx as well
        environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        app(environ, lambda got, headers: statuses.append(got))
    assert statuses == ["204 No Content", "204 No Content"]
