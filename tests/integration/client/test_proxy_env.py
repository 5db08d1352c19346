"""A proxy named in the environment still carries the default client's requests.

(Without a proxy the default client sends straight to its transport; this checks that the choice
really falls back to httpx's own routing when one is configured.) The "proxy" is a stub on
127.0.0.1 that answers itself, so the target host is never resolved.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import testerarmy as ta

RUN_ID = "0b7e5a8e-6f1c-4d7e-9a51-6f0f8f3c2a10"
TARGET = "http://testerarmy.invalid/api"


class _ProxyStub(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.requestline)
        body = json.dumps(
            {"id": RUN_ID, "type": "api", "status": "running", "input": {"prompt": "p"},
             "createdAt": "2026-02-12T00:00:00.000Z"}
        ).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    _ProxyStub.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield _ProxyStub.seen
    finally:
        server.shutdown()
        server.server_close()


def test_sync_client_goes_through_the_environment_proxy(proxy: list[str]) -> None:
    with ta.TesterArmy(api_key="sk_test_proxy", base_url=TARGET, allow_insecure_http=True) as client:
        run = client.runs.get(RUN_ID)
    assert str(run.id) == RUN_ID
    assert proxy == [f"GET {TARGET}/v1/runs/{RUN_ID} HTTP/1.1"]


@pytest.mark.anyio
async def test_async_client_goes_through_the_environment_proxy(proxy: list[str]) -> None:
    async with ta.AsyncTesterArmy(
        api_key="sk_test_proxy", base_url=TARGET, allow_insecure_http=True
    ) as client:
        run = await client.runs.get(RUN_ID)
    assert str(run.id) == RUN_ID
    assert proxy == [f"GET {TARGET}/v1/runs/{RUN_ID} HTTP/1.1"]
