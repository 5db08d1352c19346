"""Where the key may travel: never over plain http to a remote host, never to another host on a redirect.

The redirect checks use two tiny servers on different loopback addresses (127.0.0.1 redirects,
127.0.0.2 records whether an ``Authorization`` header arrived).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy_api.api.runs import get as generated_get

from .conftest import KEY, TinyServer, everything_about, leaks

pytestmark = pytest.mark.integration

RUN = str(uuid.uuid4())
RUN_JSON = {"id": RUN, "type": "api", "status": "queued", "input": {}, "createdAt": "2026-01-01T00:00:00Z"}

REMOTE_HTTP = [
    "http://tester.army/api",
    "http://example.com/api",
    "http://10.0.0.5/api",
    "http://192.168.1.10:8080/api",
    "http://[2001:db8::1]/api",
    "http://0.0.0.0:8787/api",  # "any address" is not loopback
    "http://127.0.0.1.nip.io/api",  # a name that resolves to loopback is still a remote name
    "http://localhost.example.com/api",
    "HTTP://EXAMPLE.COM/api",
]
LOOPBACK_HTTP = [
    "http://127.0.0.1:8787/api",
    "http://127.0.0.2/api",
    "http://localhost:3000/api",
    "http://[::1]:8787/api",
    "http://sim.localhost/api",
]


@pytest.mark.parametrize("url", REMOTE_HTTP)
@pytest.mark.parametrize("flavour", [ta.TesterArmy, ta.AsyncTesterArmy], ids=["sync", "async"])
def test_plain_http_to_a_remote_host_is_refused(
    flavour: type[Any], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="plain http:// to a non-loopback host") as info:
        flavour(api_key=KEY, base_url=url)
    assert not leaks(everything_about(info.value))
    # Also from the environment, and the message says where the URL came from.
    monkeypatch.setenv("TESTERARMY_BASE_URL", url)
    with pytest.raises(ValueError, match="TESTERARMY_BASE_URL uses plain http://"):
        flavour(api_key=KEY)


@pytest.mark.parametrize("url", REMOTE_HTTP[:3])
def test_with_options_cannot_switch_to_remote_http(url: str) -> None:
    with ta.TesterArmy(api_key=KEY, base_url="https://tester.army/api") as client:
        with pytest.raises(ValueError, match="plain http://"):
            client.with_options(base_url=url)
        # An explicit opt-in is honoured (and needed).
        assert client.with_options(base_url=url, allow_insecure_http=True).base_url.lower() == url.lower()


@pytest.mark.parametrize("url", LOOPBACK_HTTP)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    with ta.TesterArmy(api_key=KEY, base_url=url) as client:
        assert client.base_url == url


def test_https_anywhere_and_explicit_opt_in_are_allowed() -> None:
    with ta.TesterArmy(api_key=KEY, base_url="https://example.com/api") as client:
        assert client.base_url == "https://example.com/api"
    with ta.TesterArmy(api_key=KEY, base_url="http://example.com/api", allow_insecure_http=True) as client:
        assert client.base_url == "http://example.com/api"


# --- redirects ------------------------------------------------------------------------------------


def _run_json(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(RUN_JSON).encode()


@pytest.fixture
def target() -> Iterator[TinyServer]:
    """The other host: answers every request with a run, and records what arrived."""
    with TinyServer("127.0.0.2", _run_json) as server:
        yield server


def _redirector(target: TinyServer, status: int) -> TinyServer:
    def respond(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return status, {"Location": f"{target.root}{handler.path}"}, b""

    return TinyServer("127.0.0.1", respond)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_sdk_does_not_follow_redirects(target: TinyServer, status: int) -> None:
    with (
        _redirector(target, status) as origin,
        ta.TesterArmy(api_key=KEY, base_url=f"{origin.root}/api") as client,
    ):
        with pytest.raises(ta.APIStatusError) as info:
            client.runs.get(RUN)
        with pytest.raises(ta.APIStatusError):
            client.runs.create(prompt="p")
        generated = generated_get.sync_detailed(uuid.UUID(RUN), client=client.api)  # client.api too
        assert generated.status_code == status
    assert info.value.status_code == status
    assert "redirect" in str(info.value)
    assert "127.0.0.2" in str(info.value)  # says where it was sent, so base_url can be fixed
    assert not leaks(everything_about(info.value))
    assert [seen.authorization for seen in origin.seen] == [f"Bearer {KEY}"] * 3
    assert target.seen == []  # nothing at all reached the other host


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("target_host", ["127.0.0.2", "127.0.0.1"], ids=["other-address", "other-port"])
def test_a_caller_client_that_follows_redirects_drops_the_key_for_another_origin(
    status: int, target_host: str
) -> None:
    # A caller may bring an httpx.Client with follow_redirects=True; httpx then strips Authorization
    # when the redirect leaves the origin (scheme, host, port). The key must not reach the target.
    with (
        TinyServer(target_host, _run_json) as other,
        _redirector(other, status) as origin,
        httpx.Client(follow_redirects=True) as pool,
        ta.TesterArmy(api_key=KEY, base_url=f"{origin.root}/api", http_client=pool) as client,
    ):
        run = client.runs.get(RUN)
        client.runs.create(prompt="p")  # (a 302 turns the POST into a GET, as browsers do)
    assert str(run.id) == RUN
    assert origin.seen
    assert all(seen.authorization == f"Bearer {KEY}" for seen in origin.seen)
    assert other.seen, "the redirect was followed"
    assert [seen.authorization for seen in other.seen] == [None] * len(other.seen)


@pytest.mark.anyio
@pytest.mark.parametrize("follow", [False, True], ids=["sdk-default", "caller-follows"])
async def test_async_client_keeps_the_key_on_its_origin(target: TinyServer, follow: bool) -> None:
    async with httpx.AsyncClient(follow_redirects=follow) as pool:
        with _redirector(target, 307) as origin:
            async with ta.AsyncTesterArmy(
                api_key=KEY, base_url=f"{origin.root}/api", http_client=pool
            ) as client:
                if follow:
                    assert str((await client.runs.get(RUN)).id) == RUN
                else:
                    with pytest.raises(ta.APIStatusError, match="redirect"):
                        await client.runs.get(RUN)
    assert [seen.authorization for seen in target.seen] == ([None] if follow else [])
