"""The forwarding transport: through the pool client, or straight to its default transport."""

from __future__ import annotations

import httpx
import pytest
import testerarmy as ta
from testerarmy._transport import AsyncClientTransport, ClientTransport

from .conftest import API_KEY, BASE

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"path": request.url.path})


class _Counting(httpx.MockTransport):
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return _ok(request)

        super().__init__(handler)


class TestDirect:
    def test_skips_the_pool_clients_send(self) -> None:
        hooked: list[httpx.Request] = []
        direct = _Counting()
        pool = httpx.Client(transport=direct, event_hooks={"request": [hooked.append]})
        forward = ClientTransport(pool, owns_client=True, direct=direct)
        request = httpx.Request("GET", "https://tester.army/api/v1/runs")
        response = forward.handle_request(request)
        assert response.status_code == 200
        assert direct.seen == [request]
        assert hooked == []  # client.send (which runs hooks) was not involved

    def test_without_direct_goes_through_client_send(self) -> None:
        hooked: list[httpx.Request] = []
        pool = httpx.Client(transport=_Counting(), event_hooks={"request": [hooked.append]})
        request = httpx.Request("GET", "https://tester.army/api/v1/runs")
        ClientTransport(pool, owns_client=True).handle_request(request)
        assert hooked == [request]

    def test_refuses_once_the_pool_client_is_closed(self) -> None:
        direct = _Counting()
        pool = httpx.Client(transport=direct)
        forward = ClientTransport(pool, owns_client=True, direct=direct)
        forward.close()
        assert pool.is_closed
        with pytest.raises(RuntimeError, match="client has been closed"):
            forward.handle_request(httpx.Request("GET", "https://tester.army/api/v1/runs"))
        assert direct.seen == []

    def test_transport_errors_carry_the_request(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused")

        direct = httpx.MockTransport(refuse)
        forward = ClientTransport(httpx.Client(transport=direct), owns_client=True, direct=direct)
        request = httpx.Request("GET", "https://tester.army/api/v1/runs")
        with pytest.raises(httpx.ConnectError) as caught:
            forward.handle_request(request)
        assert caught.value.request is request

    @pytest.mark.anyio
    async def test_async_twin(self) -> None:
        seen: list[httpx.Request] = []

        async def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return _ok(request)

        direct = httpx.MockTransport(handler)
        pool = httpx.AsyncClient(transport=direct)
        forward = AsyncClientTransport(pool, owns_client=True, direct=direct)
        request = httpx.Request("GET", "https://tester.army/api/v1/runs")
        assert (await forward.handle_async_request(request)).status_code == 200
        assert seen == [request]
        await forward.aclose()
        with pytest.raises(RuntimeError, match="client has been closed"):
            await forward.handle_async_request(request)

        async def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow")

        failing = httpx.MockTransport(refuse)
        forward = AsyncClientTransport(httpx.AsyncClient(transport=failing), owns_client=True, direct=failing)
        with pytest.raises(httpx.ReadTimeout) as caught:
            await forward.handle_async_request(request)
        assert caught.value.request is request


class TestClientChoosesThePath:
    @pytest.mark.usefixtures("no_proxy_env")
    def test_own_pool_without_proxies_sends_directly(self) -> None:
        client = ta.TesterArmy(api_key=API_KEY, base_url=BASE)
        assert isinstance(client._direct, httpx.HTTPTransport)
        copy = client.with_options(timeout=5)
        assert copy._direct is client._direct  # copies share the pool, fast path included
        client.close()
        assert client._pool.is_closed

    @pytest.mark.usefixtures("no_proxy_env")
    def test_async_own_pool_without_proxies_sends_directly(self) -> None:
        client = ta.AsyncTesterArmy(api_key=API_KEY, base_url=BASE)
        assert isinstance(client._direct, httpx.AsyncHTTPTransport)

    @pytest.mark.usefixtures("no_proxy_env")
    def test_no_proxy_alone_keeps_the_fast_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NO_PROXY", "localhost")
        assert ta.TesterArmy(api_key=API_KEY, base_url=BASE)._direct is not None

    @pytest.mark.usefixtures("no_proxy_env")
    @pytest.mark.parametrize("variable", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
    def test_a_proxy_in_the_environment_keeps_httpx_routing(
        self, monkeypatch: pytest.MonkeyPatch, variable: str
    ) -> None:
        monkeypatch.setenv(variable, "http://proxy.example:3128")
        assert ta.TesterArmy(api_key=API_KEY, base_url=BASE)._direct is None
        assert ta.AsyncTesterArmy(api_key=API_KEY, base_url=BASE)._direct is None

    def test_callers_http_client_is_always_used_as_is(self) -> None:
        seen = _Counting()
        pool = httpx.Client(transport=seen)
        client = ta.TesterArmy(api_key=API_KEY, base_url=BASE, http_client=pool)
        assert client._direct is None
        with pytest.raises(ta.APIResponseValidationError):
            client.runs.get("0b7e5a8e-6f1c-4d7e-9a51-6f0f8f3c2a10")  # _ok's body is not a Run
        assert len(seen.seen) == 1
        pool.close()


def test_sniffio_is_a_runtime_dependency() -> None:
    """httpcore detects the async library with ``import sniffio`` on every lock it sets up; without
    the package that import fails afresh each time (a sys.path scan, several per async request),
    which halved the async client's poll rate in the fan-out benchmark (docs/performance.md)."""
    import tomllib
    from pathlib import Path

    import sniffio

    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(dep.startswith("sniffio") for dep in dependencies)
    assert sniffio.current_async_library is not None
