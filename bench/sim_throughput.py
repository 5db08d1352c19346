"""Simulator throughput: sustained requests/s for ``GET /api/v1/runs/{id}`` with >= 50 concurrent clients.

    python -m bench.sim_throughput [--clients 64] [--seconds 3] [--repeat 3]
    python -m bench sim_throughput            (through the bench runner, once it lists this module)

The simulator runs in its own process (``python -m testerarmy.testing``), so that the load generator
does not share its GIL. The load generator is a minimal HTTP/1.1 keep-alive client on asyncio
streams (one connection per client, one request in flight per connection): far cheaper per request
than the server, so the figure is the server's. Every response is checked (status 200, full body).

Baseline, measured in the same run: a bare Starlette route on the same uvicorn, returning the same
run JSON as precomputed bytes. The ratio says how much of the stack's ceiling the simulator keeps
while it authenticates, logs, checks faults, computes the run's state and renders it through the
generated pydantic models.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench._harness import Row, Stats, print_table, write_results

__all__ = ["measure", "run"]

REPO = Path(__file__).resolve().parent.parent
KEY = "sk_test_bench"
DEFAULT_CLIENTS = 64
DEFAULT_SECONDS = 3.0
WARMUP_SECONDS = 0.5


@contextmanager
def _process(argv: list[str]) -> Iterator[tuple[str, int]]:
    """Start a server process that prints "... listening on <url>" first; yield (URL, pid)."""
    proc = subprocess.Popen(
        [sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on (\S+)", line)
        if match is None:
            raise RuntimeError(f"server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        yield match.group(1), proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _simulator() -> list[str]:
    return [
        "-m",
        "testerarmy.testing",
        "--port",
        "0",
        "--api-key",
        KEY,
        "--no-demo-data",
        "--time-scale",
        "1",
    ]


def _baseline(body_file: Path) -> list[str]:
    return ["-m", "bench.sim_throughput", "--serve-baseline", str(body_file)]


def _serve_baseline(body_file: str) -> int:
    """A bare Starlette route answering the recorded run JSON (the stack's ceiling)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    body = Path(body_file).read_bytes()

    async def get_run(request: Request) -> Response:
        return Response(body, media_type="application/json")

    app = Starlette(routes=[Route("/api/v1/runs/{id}", get_run)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        print(f"baseline listening on http://127.0.0.1:{port}/api", flush=True)
        await task

    asyncio.run(serve())
    return 0


async def _client(host: str, port: int, request: bytes, stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.monotonic() < stop_at:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected response: {head[:80]!r}")
            length_match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length_match is None:
                raise RuntimeError(f"response without Content-Length: {head[:80]!r}")
            length = int(length_match.group(1))
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
        counts.append(done)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to count requests per server CPU-second."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(url: str, path: str, clients: int, seconds: float) -> tuple[int, float]:
    match = re.match(r"http://([^:/]+):(\d+)", url)
    assert match is not None
    host, port = match.group(1), int(match.group(2))
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode()
    warm: list[int] = []
    await asyncio.gather(
        *(_client(host, port, request, time.monotonic() + WARMUP_SECONDS, warm) for _ in range(clients))
    )
    counts: list[int] = []
    start = time.monotonic()
    await asyncio.gather(*(_client(host, port, request, start + seconds, counts) for _ in range(clients)))
    return sum(counts), time.monotonic() - start


def _measure_once(url: str, pid: int, path: str, clients: int, seconds: float) -> tuple[float, float]:
    """(requests per wall second, requests per server CPU second)."""
    cpu_before = _cpu_seconds(pid)
    done, elapsed = asyncio.run(_load(url, path, clients, seconds))
    cpu = _cpu_seconds(pid) - cpu_before
    return done / elapsed, done / cpu if cpu > 0 else float("nan")


def measure(
    clients: int = DEFAULT_CLIENTS, seconds: float = DEFAULT_SECONDS, repeat: int = 3
) -> dict[str, Stats]:
    """Stats of requests/s (wall) and requests per server CPU-second, for the simulator and the baseline.

    The machines are shared: wall-clock throughput moves with the neighbours' load, requests per
    CPU-second of the server process much less, so both are reported.
    """
    import httpx

    if clients < 50:
        raise ValueError("the figure is defined for >= 50 concurrent clients")
    samples: dict[str, list[float]] = {
        k: [] for k in ("simulator", "simulator_cpu", "baseline", "baseline_cpu")
    }
    auth = {"Authorization": f"Bearer {KEY}"}
    with _process(_simulator()) as (url, pid):
        created = httpx.post(f"{url}/v1/runs", json={"prompt": "bench"}, headers=auth)
        created.raise_for_status()
        run_id = created.json()["id"]
        path = f"/api/v1/runs/{run_id}"
        body = httpx.get(f"{url}/v1/runs/{run_id}", headers=auth).content
        for _ in range(repeat):
            wall, per_cpu = _measure_once(url, pid, path, clients, seconds)
            samples["simulator"].append(wall)
            samples["simulator_cpu"].append(per_cpu)
    body_file = REPO / "bench" / "results" / ".sim_throughput_body.json"
    body_file.parent.mkdir(exist_ok=True)
    body_file.write_bytes(body)
    try:
        with _process(_baseline(body_file)) as (url, pid):
            for _ in range(repeat):
                wall, per_cpu = _measure_once(url, pid, path, clients, seconds)
                samples["baseline"].append(wall)
                samples["baseline_cpu"].append(per_cpu)
    finally:
        body_file.unlink(missing_ok=True)
    return {name: Stats.of(values) for name, values in samples.items()}


def _rows(stats: dict[str, Stats], clients: int, seconds: float) -> list[Row]:
    rows = []
    for suffix, unit, what in (
        ("", "req/s", "requests/s"),
        ("_cpu", "req/CPU-s", "requests per server CPU-second"),
    ):
        ours, base = stats["simulator" + suffix], stats["baseline" + suffix]
        rows.append(
            Row(
                figure=f"simulator GET /v1/runs/{{id}}, {clients} concurrent clients ({what})",
                ours=f"{ours.median:,.0f} {unit} ({ours.spread(unit)})",
                baseline=f"{base.median:,.0f} {unit} bare Starlette+uvicorn ({base.spread(unit)})",
                ratio=ours.median / base.median if base.median else None,
                target="report (no target set)",
                met=None,
                details={
                    "simulator": ours.__dict__,
                    "baseline": base.__dict__,
                    "clients": clients,
                    "seconds_per_run": seconds,
                },
            )
        )
    return rows


def run(repeat: int = 3) -> list[Row]:
    """Entry point of the bench runner."""
    return _rows(measure(repeat=max(1, repeat)), DEFAULT_CLIENTS, DEFAULT_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sim_throughput", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve-baseline", metavar="BODY_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        return _serve_baseline(args.serve_baseline)
    rows = _rows(measure(args.clients, args.seconds, max(1, args.repeat)), args.clients, args.seconds)
    print(f"wrote {write_results('sim_throughput', rows)}", file=sys.stderr)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
