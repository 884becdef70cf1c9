"""Load test of the Gradio API: N concurrent clients asking real dev questions for a fixed time.

    python -m bench.load [--clients 10,50] [--duration 20] [--url http://127.0.0.1:7860/]
    python -m bench.load --servers app,bm25 --clients 1,20,50 --after 60   # issue 13's comparison
    python -m bench.load --smoke

``--servers app,bm25`` runs the same levels against the app as served and then against a BM25-only server
(``POLICYQA_RETRIEVAL=bm25``) in the same run, and prints throughput relative to BM25-only and the serving
efficiency, throughput x sequential API latency (the 1-client p50) / cores. ``--after`` reads the server's RSS
that many seconds after the last level.

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
    server: str = "app"
    server_rss_after_mb: float = float("nan")
    after_s: float = 0.0


@dataclass
class LoadComparison:
    reports: list[LoadReport]


SERVER_ENV = {"app": {}, "bm25": {"POLICYQA_RETRIEVAL": "bm25"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> None:
    """Child process: load the pipeline, launch the app on loopback, block until terminated."""
    from ui.app import create_app, launch_options
    from ui.cli import serving_pipeline

    pipeline = serving_pipeline(Settings.from_env(), progress=False)
    # As `policyqa serve` does: the dictionary tables are built in the background at start.
    threading.Thread(target=pipeline.warm_dictionaries, name="policyqa-dictionaries", daemon=True).start()
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
    print(f"server [{r.server}] {r.url}, idle rss {r.server_rss_idle_mb:.0f} MB")
    for x in r.results:
        print(
            f"[{r.server} {x.clients} clients] {x.completed} answers in {x.duration_s:.1f} s: "
            f"{x.throughput_rps:.2f} req/s, latency p50 {x.latency.p50:.0f} ms p95 {x.latency.p95:.0f} ms, "
            f"errors {x.errors}, server peak rss {x.server_rss_peak_mb:.0f} MB"
        )
        if x.first_error:
            print(f"  first error: {x.first_error}")
    if r.after_s:
        print(f"server [{r.server}] rss {r.after_s:.0f} s after the last level: {r.server_rss_after_mb:.0f} MB")


def print_comparison(reports: list[LoadReport]) -> None:
    """Throughput against the BM25-only server, and serving efficiency, for every level above 1 client."""
    cores = os.cpu_count() or 1
    by_server = {r.server: {x.clients: x for x in r.results} for r in reports}
    for server, levels in by_server.items():
        sequential = levels.get(1)
        for clients, x in sorted(levels.items()):
            if clients == 1:
                continue
            parts = [f"[{server} {clients} clients]"]
            base = by_server.get("bm25", {}).get(clients)
            if base and server != "bm25":
                parts.append(f"throughput {x.throughput_rps / base.throughput_rps:.2f} of BM25-only")
            if sequential:
                eff = x.throughput_rps * sequential.latency.p50 / 1000 / cores
                parts.append(f"serving efficiency {eff:.2f} (sequential p50 {sequential.latency.p50:.0f} ms)")
            print(" ".join(parts))


def run_server(
    name: str,
    env: dict[str, str],
    levels: list[int],
    duration: float,
    after: float,
    questions: list[str],
    url: str = "",
) -> LoadReport:
    child, url = (None, url) if url else start_server({**env, **SERVER_ENV[name]})
    try:
        pid = child.pid if child else None
        idle = rss_mb(pid) if pid else float("nan")
        results = [run_level(url, n, duration, questions, pid) for n in levels]
        after_mb = float("nan")
        if after and pid:
            time.sleep(after)
            after_mb = rss_mb(pid)
    finally:
        if child:
            stop_server(child)
    report = LoadReport(machine(), url, idle, results, name, after_mb, after)
    print_report(report)
    return report


def main(argv: list[str] | None = None) -> LoadReport | None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="")
    ap.add_argument("--servers", default="app", help="app, bm25, or both (app,bm25), one after the other")
    ap.add_argument("--clients", default="10,50")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--after", type=float, default=0.0, help="read the server's RSS this long after the load")
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
    print(machine_line())
    servers = [n.strip() for n in args.servers.split(",") if n.strip()]
    reports = [run_server(n, env, levels, duration, args.after, questions, args.url) for n in servers]
    if len(reports) > 1 or 1 in levels:
        print_comparison(reports)
    if args.json:
        write_json(args.json, LoadComparison(reports) if len(reports) > 1 else reports[0])
    return reports[0]


if __name__ == "__main__":
    main()
