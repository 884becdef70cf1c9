"""Start-up: `policyqa serve` time to first answer, and `policyqa ask` one-shot wall time.

    python -m bench.startup [--runs 2] [--json out.json]

Each run is a fresh process (``python -m qa.cli``, the same code as the ``policyqa`` command) over an index that
already exists (the configured POLICYQA_INDEX_DIR; build it first). serve: from spawning the process until the
first answer to a dev question has come back through the app's API; the server's RSS is read then. ask: the
wall time of a one-shot ``ask`` of the same question, and its peak RSS (from the child's rusage).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import Stats, dev_questions, machine, machine_line, rss_mb, write_json
from bench.load import free_port, stop_server
from index.settings import REPO_ROOT


@dataclass
class StartupReport:
    machine: dict
    backend: str
    serve_first_answer_s: Stats
    serve_rss_mb: list[float]
    ask_wall_s: Stats
    ask_peak_rss_mb: list[float]


def serve_once(question: str, timeout_s: float = 600) -> tuple[float, float]:
    from gradio_client import Client

    port = free_port()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"policyqa serve exited with {child.returncode}")
            try:
                with urllib.request.urlopen(url + "config", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        client = Client(url, verbose=False, download_files=False)
        result = client.predict(question, "[]", "", "", api_name="/answer")
        elapsed = time.perf_counter() - started
        if not isinstance(result, dict) or "answer" not in result:
            raise RuntimeError(f"unexpected answer {str(result)[:200]}")
        return elapsed, rss_mb(child.pid)
    finally:
        stop_server(child)


def ask_once(question: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", question],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far (KiB)
    return elapsed, peak / 1024 if peak >= before else float("nan")


def main(argv: list[str] | None = None) -> StartupReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    question = dev_questions(1)[0]
    ask = [ask_once(question) for _ in range(args.runs)]  # first: ru_maxrss of children is a running maximum
    serve = [serve_once(question) for _ in range(args.runs)]
    report = StartupReport(
        machine(),
        os.environ.get("POLICYQA_EMBED_BACKEND", "(default)"),
        Stats.of([s for s, _ in serve]),
        [r for _, r in serve],
        Stats.of([s for s, _ in ask]),
        [r for _, r in ask],
    )
    print(machine_line())
    print(f"backend {report.backend}; question {question!r}; {args.runs} runs each")
    print(
        f"serve: first answer after p50 {report.serve_first_answer_s.p50:.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s, _ in serve)}), "
        f"rss then {', '.join(f'{r:.0f}' for r in report.serve_rss_mb)} MB"
    )
    print(
        f"ask:   wall p50 {report.ask_wall_s.p50:.2f} s (runs: {', '.join(f'{s:.2f}' for s, _ in ask)}), "
        f"peak rss {', '.join(f'{r:.0f}' for r in report.ask_peak_rss_mb)} MB"
    )
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
