"""Option resolution: API key, base URL, timeouts, retries, headers — all checked up front."""

from __future__ import annotations

import math
import warnings

import httpx
import pytest
import testerarmy as ta
from testerarmy import MissingAPIKeyError
from testerarmy import TesterArmyWarning as KeyWarning
from testerarmy._config import DEFAULT_TIMEOUT, NOT_GIVEN, ClientOptions, resolve_options

from .conftest import API_KEY


def resolve(**overrides: object) -> ClientOptions:
    args: dict[str, object] = {
        "api_key": API_KEY,
        "base_url": None,
        "timeout": NOT_GIVEN,
        "max_retries": 2,
        "default_headers": None,
        "allow_insecure_http": False,
        "environ": {},
    }
    args.update(overrides)
    return resolve_options(**args)  # type: ignore[arg-type]


class TestApiKey:
    def test_missing_key_names_the_environment_variable(self) -> None:
        with pytest.raises(MissingAPIKeyError, match="TESTERARMY_API_KEY"):
            resolve(api_key=None, environ={})

    def test_blank_environment_variable_counts_as_missing(self) -> None:
        with pytest.raises(MissingAPIKeyError):
            resolve(api_key=None, environ={"TESTERARMY_API_KEY": "  "})

    def test_client_construction_fails_without_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("TESTERARMY_API_KEY", raising=False)
        with pytest.raises(MissingAPIKeyError, match="TESTERARMY_API_KEY"):
            ta.TesterArmy()

    def test_key_from_environment(self) -> None:
        options = resolve(api_key=None, environ={"TESTERARMY_API_KEY": API_KEY})
        assert options.api_key.reveal() == API_KEY

    def test_argument_wins_over_environment(self) -> None:
        options = resolve(api_key="sk_arg", environ={"TESTERARMY_API_KEY": API_KEY})
        assert options.api_key.reveal() == "sk_arg"

    def test_surrounding_whitespace_is_stripped(self) -> None:
        options = resolve(api_key=f"  {API_KEY}\n")
        assert options.api_key.reveal() == API_KEY

    @pytest.mark.parametrize("bad", ["sk_abc def", "sk_abc\r\nX-Injected: 1", "sk_clé"])
    def test_invalid_characters_rejected_without_echoing_the_key(self, bad: str) -> None:
        with pytest.raises(ValueError, match="api_key contains") as info:
            resolve(api_key=bad)
        assert "sk_abc" not in str(info.value)
        assert "sk_cl" not in str(info.value)

    def test_key_without_sk_prefix_warns_but_is_accepted(self) -> None:
        with pytest.warns(KeyWarning, match="does not start with 'sk_'") as record:
            options = resolve(api_key="live_0123456789")
        assert options.api_key.reveal() == "live_0123456789"
        assert all("live_0123456789" not in str(w.message) for w in record)

    def test_sk_key_does_not_warn(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            resolve(api_key=API_KEY)

    def test_non_string_key_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="api_key must be a str"):
            resolve(api_key=12345)


class TestBaseUrl:
    def test_default_is_production(self) -> None:
        assert resolve().base_url == "https://tester.army/api"

    def test_environment_variable(self) -> None:
        options = resolve(environ={"TESTERARMY_BASE_URL": "https://staging.tester.army/api/"})
        assert options.base_url == "https://staging.tester.army/api"

    def test_argument_wins_over_environment(self) -> None:
        options = resolve(
            base_url="https://a.example/api", environ={"TESTERARMY_BASE_URL": "https://b.example"}
        )
        assert options.base_url == "https://a.example/api"

    @pytest.mark.parametrize("host", ["example.com", "10.0.0.5", "tester.army"])
    def test_plain_http_to_remote_host_is_refused(self, host: str) -> None:
        with pytest.raises(ValueError, match="allow_insecure_http"):
            resolve(base_url=f"http://{host}/api")

    def test_plain_http_error_names_environment_variable(self) -> None:
        with pytest.raises(ValueError, match="TESTERARMY_BASE_URL"):
            resolve(environ={"TESTERARMY_BASE_URL": "http://example.com/api"})

    @pytest.mark.parametrize("flag", ["false", "no", 0, 1])
    def test_allow_insecure_http_must_be_a_real_bool(self, flag: object) -> None:
        # A truthy string like "false" must not switch the protection off.
        with pytest.raises(TypeError, match="allow_insecure_http must be a bool"):
            ta.TesterArmy(api_key=API_KEY, base_url="http://example.com/api", allow_insecure_http=flag)  # type: ignore[arg-type]

    def test_plain_http_allowed_when_asked(self) -> None:
        options = resolve(base_url="http://example.com/api", allow_insecure_http=True)
        assert options.base_url == "http://example.com/api"

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8080/api",
            "http://localhost:3000/api",
            "http://[::1]:9/api",
            "http://127.1.2.3/api",
        ],
    )
    def test_plain_http_to_loopback_is_fine(self, url: str) -> None:
        assert resolve(base_url=url).base_url == url

    def test_the_default_is_the_specs_server(self) -> None:
        from testerarmy_api._spec import DEFAULT_BASE_URL

        assert resolve().base_url == DEFAULT_BASE_URL == ta.DEFAULT_BASE_URL

    @pytest.mark.parametrize(
        ("origin", "expected"),
        [
            ("https://tester.army", "https://tester.army/api"),
            ("https://tester.army/", "https://tester.army/api"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api"),
            ("https://staging.example.com/custom", "https://staging.example.com/custom"),  # a path is kept
        ],
    )
    def test_a_bare_origin_gets_the_api_path_as_the_official_cli_reads_it(
        self, origin: str, expected: str
    ) -> None:
        assert resolve(base_url=origin).base_url == expected
        assert resolve(environ={"TESTERARMY_BASE_URL": origin}).base_url == expected

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("ftp://tester.army/api", "http"),
            ("tester.army/api", "http"),
            ("https://", "http"),
            ("https://user:pw@tester.army/api", "user:password"),
            ("https://tester.army/api?x=1", "query"),
            ("https://tester.army/api/v1", "must not end with /v1"),
            ("https://tester.army/api/v1/", "'https://tester.army/api'"),
        ],
    )
    def test_malformed_base_urls(self, url: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            resolve(base_url=url)


class TestTimeoutsRetriesHeaders:
    def test_default_timeout(self) -> None:
        assert resolve().timeout == DEFAULT_TIMEOUT
        assert DEFAULT_TIMEOUT.connect == 10.0
        assert DEFAULT_TIMEOUT.read == 60.0

    def test_number_and_none(self) -> None:
        assert resolve(timeout=5).timeout == httpx.Timeout(5.0)
        assert resolve(timeout=None).timeout is None

    @pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf])
    def test_non_positive_timeout(self, bad: float) -> None:
        with pytest.raises(ValueError, match="timeout must be a positive"):
            resolve(timeout=bad)

    @pytest.mark.parametrize("bad", [True, "30"])
    def test_timeout_wrong_type(self, bad: object) -> None:
        with pytest.raises(TypeError, match="timeout"):
            resolve(timeout=bad)

    def test_httpx_timeout_phases_checked(self) -> None:
        with pytest.raises(ValueError, match=r"timeout\.connect"):
            resolve(timeout=httpx.Timeout(5.0, connect=0))

    @pytest.mark.parametrize(
        ("bad", "exc"), [(-1, ValueError), (11, ValueError), (1.5, TypeError), (True, TypeError)]
    )
    def test_max_retries_bounds(self, bad: object, exc: type[Exception]) -> None:
        with pytest.raises(exc, match="max_retries"):
            resolve(max_retries=bad)

    def test_authorization_cannot_be_a_default_header(self) -> None:
        with pytest.raises(ValueError, match="api_key"):
            resolve(default_headers={"authorization": "Bearer x"})

    def test_default_headers_kept(self) -> None:
        options = resolve(default_headers={"X-Team": "qa"})
        headers = options.headers()
        assert headers["X-Team"] == "qa"
        assert headers["User-Agent"].startswith("testerarmy-python/")
