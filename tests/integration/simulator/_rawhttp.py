"""A minimal HTTP/1.1 client on anyio streams, for load tests.

httpx's async pool spends most of its time managing a thousand queued requests; this client only
writes one request per connection and reads one response, so the load test measures the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def request(
    host: str, port: int, method: str, path: str, headers: dict[str, str], body: Any = None
) -> RawResponse:
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: close",
        f"Content-Length: {len(payload)}",
    ]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        data = b""
        while True:
            try:
                chunk = await stream.receive()
            except anyio.EndOfStream:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    length = int(parsed.get("content-length", len(rest)))
    return RawResponse(int(status_line.split()[1]), parsed, rest[:length])
