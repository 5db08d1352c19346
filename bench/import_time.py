"""Figure 5: start-up cost — ``import testerarmy`` against ``import httpx``, and the first call.

Each case is a fresh ``python -c ...`` process timed from the outside (interpreter start-up
included on both sides, so the ratio is what a CLI or a CI step feels). The cases take turns,
round after round, so that a noisy neighbour hits all of them alike; the figure is the median,
the spread the min–max.

* ``import testerarmy``: the package loads lazily (errors only), so this is the cost of being
  imported by code that may never call the API;
* ``from testerarmy import TesterArmy``: the client class (pulls in httpx);
* first call: import, construct, one ``runs.get`` against the simulator and exit, against the same
  by hand (``httpx.get`` + ``json.loads``), target ≤ 1.2×. The generated model package is lazy
  (codegen/lazy_models.py): the call loads the run's models only, not all of them;
  ``python -X importtime`` names the heaviest modules (details).
* first call, base install: the same two processes with httpx's optional CLI unavailable (click,
  rich and pygments refuse to import, as when the ``cli`` extra is not installed). In this venv
  ``import httpx`` loads that CLI (~35 ms, both sides), which flatters the ratio above; this row
  (reported, no target) is what a user of the base install feels.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench._harness import Row
from bench._support import REPO

__all__ = ["run"]

TARGET = 1.5
FIRST_CALL_TARGET = 1.2
# Prepended to a case: httpx's `from ._main import main` then fails and it skips its CLI.
_WITHOUT_CLI_EXTRA = "import sys; sys.modules.update(dict.fromkeys(('click', 'rich', 'pygments')))\n"


def _time(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _importtime(code: str, env: dict[str, str], top: int = 8) -> list[dict[str, Any]]:
    """The slowest top-level imports of ``code`` per ``-X importtime`` (cumulative ms)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative_us, name = line.removeprefix("import time:").split("|")
        if name.startswith("   "):  # nested below another import: counted in its parent
            continue
        rows.append((name.strip(), int(cumulative_us) / 1000))
    rows.sort(key=lambda row: -row[1])
    return [{"module": module, "cumulative_ms": ms} for module, ms in rows[:top]]


def _compile_bytecode() -> None:
    """Bytecode for both packages, as ``pip install`` of the wheel writes it.

    httpx, the baseline, loads from the bytecode pip compiled; ours would otherwise be compiled from
    source in every timed process whenever its ``__pycache__`` is stale (after a checkout or a
    ``make generate``), since the timed processes may not write bytecode.
    """
    import testerarmy
    import testerarmy_api

    for package in (testerarmy, testerarmy_api):
        compileall.compile_dir(package.__path__[0], quiet=1)


def run(repeat: int = 5) -> list[Row]:
    from testerarmy import TesterArmy
    from testerarmy.testing import Simulator

    _compile_bytecode()

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    with Simulator(time_scale=0.01, seed=0) as sim:
        with TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
            run_id = str(client.runs.create(prompt="A run for the first call").id)
        first_call = (
            "from testerarmy import TesterArmy\n"
            f"with TesterArmy(api_key={sim.api_key!r}, base_url={sim.url!r}) as c: c.runs.get({run_id!r})"
        )
        by_hand = (
            "import httpx, json\n"
            f"json.loads(httpx.get({sim.url + '/v1/runs/' + run_id!r}, "
            f"headers={{'Authorization': 'Bearer {sim.api_key}'}}).content)"
        )
        cases = {
            "python": "pass",
            "httpx": "import httpx",
            "testerarmy": "import testerarmy",
            "client": "from testerarmy import TesterArmy",
            "first_call": first_call,
            "by_hand": by_hand,
            "first_call_base": _WITHOUT_CLI_EXTRA + first_call,
            "by_hand_base": _WITHOUT_CLI_EXTRA + by_hand,
        }
        for code in cases.values():  # warm-up: the OS file cache
            _time(code, env)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(max(7, 2 * repeat)):
            for name, code in cases.items():
                samples[name].append(_time(code, env))
        heaviest = _importtime(first_call, env)
    stats = {name: (statistics.median(v), min(v), max(v)) for name, v in samples.items()}

    def ms(name: str) -> str:
        median, low, high = stats[name]
        return f"{median * 1000:.0f} ms ({low * 1000:.0f}–{high * 1000:.0f})"

    def ratio(ours: str, base: str) -> float:
        return stats[ours][0] / stats[base][0]

    details: dict[str, object] = {
        "unit": "ms of wall time per fresh `python -c` process (interpreter start-up included)",
        "python_startup_ms": stats["python"][0] * 1000,
        "runs": len(samples["python"]),
    }
    return [
        Row(
            figure="5. import testerarmy",
            ours=ms("testerarmy"),
            baseline=f"{ms('httpx')} import httpx",
            ratio=ratio("testerarmy", "httpx"),
            target=f"≤ {TARGET}×",
            met=ratio("testerarmy", "httpx") <= TARGET,
            details=details,
        ),
        Row(
            figure="5. from testerarmy import TesterArmy",
            ours=ms("client"),
            baseline=f"{ms('httpx')} import httpx",
            ratio=ratio("client", "httpx"),
            target=f"≤ {TARGET}×",
            met=ratio("client", "httpx") <= TARGET,
            details=details,
        ),
        Row(
            figure="5. first call (import + runs.get)",
            ours=ms("first_call"),
            baseline=f"{ms('by_hand')} httpx.get + json",
            ratio=ratio("first_call", "by_hand"),
            target=f"≤ {FIRST_CALL_TARGET}×",
            met=ratio("first_call", "by_hand") <= FIRST_CALL_TARGET,
            details={**details, "heaviest_imports_of_first_call": heaviest},
        ),
        Row(
            figure="5. first call, base install (no CLI extra)",
            ours=ms("first_call_base"),
            baseline=f"{ms('by_hand_base')} httpx.get + json",
            ratio=ratio("first_call_base", "by_hand_base"),
            target="(reported)",
            met=None,
            details=details,
        ),
    ]
