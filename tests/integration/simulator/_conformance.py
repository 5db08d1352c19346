"""Validate real simulator responses against generated/openapi.normalized.yaml with openapi-core."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parents[3] / "generated" / "openapi.normalized.yaml"
_SPEC = OpenAPI.from_file_path(str(SPEC_PATH))
# The spec's server is https://tester.army/api; the simulator's routes sit under the same /api prefix.
_HOST = "https://tester.army"


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        self.method = request.method.lower()
        self.host_url = _HOST
        self.path = request.url.path
        self.body = None  # response validation does not look at the request body (may be streamed)
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode())),
            header=Headers(dict(request.headers)),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))
        self.data = response.content


def check_response(response: httpx.Response) -> None:
    """Raise if ``response`` (status, content type, body) does not conform to the spec."""
    _SPEC.validate_response(_Request(response.request), _Response(response))
