"""Load test of the Gradio API: N concurrent clients asking real dev questions for a fixed time.

    python -m bench.load [--clients 10,50] [--duration 20] [--url http://127.0.0.1:7860/]
    python -m bench.load --smoke

Without ``--url`` it starts the app itself in a child process (``ui.app.create_app``, 127.0.0.1, a free port),
so the server's RSS is measured alone and the clients do not share its interpreter; the child is stopped at the
end. Every client is a ``gradio_client.Client`` calling ``/answer`` (question, history_json, doc, region) in a
bounded loop until the deadline. Loopback only.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import RssSampler, Stats, dev_questions, machine, machine_line, rss_mb, smoke_settings, write_json
from index.settings import REPO_ROOT, Settings

MAX_REQUESTS_PER_CLIENT = 10_000  # a hard bound on each loop besides the deadline


@dataclass
class LoadResult:
    clients: int
    duration_s: float
    completed: int
    errors: int
    throughput_rps: float
    latency: Stats
    server_rss_peak_mb: float
    first_error: str = ""


@dataclass
class LoadReport:
    machine: dict
    url: str
    server_rss_idle_mb: float
    results: list[LoadResult]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> None:
    """Child process: load the pipeline, launch the app on loopback, block until terminated."""
    from qa.pipeline import Pipeline
    from ui.app import create_app, launch_options

    pipeline = Pipeline(Settings.from_env(), progress=False)
    demo = create_app(pipeline)
    options = launch_options(pipeline.settings)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, **options)
    print(f"serving on 127.0.0.1:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    demo.close()


def start_server(env: dict[str, str], timeout_s: float = 600) -> tuple[subprocess.Popen, str]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "--serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"server exited with {child.returncode}: {child.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as resp:
                if resp.status == 200:
                    return child, url
        except OSError:
            time.sleep(0.5)
    stop_server(child)
    raise TimeoutError(f"server did not come up on {url} within {timeout_s:.0f} s")


def stop_server(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def client_loop(url: str, questions: list[str], offset: int, deadline: float, out: list, errors: list) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False, download_files=False)
    except Exception as exc:
        errors.append(f"connect: {exc.__class__.__name__}: {exc}")
        return
    for i in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        q = questions[(offset + i) % len(questions)]
        t = time.perf_counter()
        try:
            result = client.predict(q, "[]", "", "", api_name="/answer")
            if not isinstance(result, dict) or "answer" not in result:
                raise ValueError(f"unexpected result {str(result)[:200]}")
            out.append((time.perf_counter() - t) * 1000)
        except Exception as exc:
            errors.append(f"{exc.__class__.__name__}: {exc}")
    if hasattr(client, "close"):
        client.close()


def run_level(url: str, clients: int, duration: float, questions: list[str], pid: int | None) -> LoadResult:
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + duration
    threads = [
        threading.Thread(target=client_loop, args=(url, questions, i * 7, deadline, latencies, errors), daemon=True)
        for i in range(clients)
    ]
    sampler = RssSampler(pid, interval=0.2) if pid else None
    started = time.perf_counter()
    if sampler:
        sampler.__enter__()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 300)
    elapsed = time.perf_counter() - started
    if sampler:
        sampler.__exit__(None, None, None)
    return LoadResult(
        clients,
        elapsed,
        len(latencies),
        len(errors),
        len(latencies) / elapsed,
        Stats.of(latencies),
        sampler.peak_mb if sampler else float("nan"),
        errors[0] if errors else "",
    )


def print_report(r: LoadReport) -> None:
    print(machine_line())
    print(f"server {r.url}, idle rss {r.server_rss_idle_mb:.0f} MB")
    for x in r.results:
        print(
            f"[{x.clients} clients] {x.completed} answers in {x.duration_s:.1f} s: {x.throughput_rps:.2f} req/s, "
            f"latency p50 {x.latency.p50:.0f} ms p95 {x.latency.p95:.0f} ms, errors {x.errors}, "
            f"server peak rss {x.server_rss_peak_mb:.0f} MB"
        )
        if x.first_error:
            print(f"  first error: {x.first_error}")


def main(argv: list[str] | None = None) -> LoadReport | None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="")
    ap.add_argument("--clients", default="10,50")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.port)
        return None
    levels, duration, env = [int(c) for c in args.clients.split(",")], args.duration, {}
    if args.smoke:
        s = smoke_settings()
        levels, duration = [2], 3.0
        env = {"POLICYQA_SEEDS_DIR": str(s.seeds_dir), "POLICYQA_INDEX_DIR": str(s.index_dir)}
    questions = dev_questions()
    child, url = (None, args.url) if args.url else start_server(env)
    try:
        pid = child.pid if child else None
        idle = rss_mb(pid) if pid else float("nan")
        results = [run_level(url, n, duration, questions, pid) for n in levels]
    finally:
        if child:
            stop_server(child)
    report = LoadReport(machine(), url, idle, results)
    print_report(report)
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
