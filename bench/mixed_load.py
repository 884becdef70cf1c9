"""Mixed load: normal clients asking real questions while hostile clients send the worst inputs (issue 10).

    python -m bench.mixed_load [--normal 20] [--hostile 4] [--duration 60] [--after 60] [--json FILE]
    python -m bench.mixed_load --smoke

Starts the app in a child process on 127.0.0.1 (``bench.load.start_server``, the product's launch options and
limits), warms it up, then runs two phases of ``--duration`` seconds each: the normal clients alone, then the
normal clients with the hostile ones. Normal clients are ``gradio_client`` clients looping over the dev
questions through ``/answer`` (as in bench/load.py); hostile clients use plain HTTP, as an attacker would, and
cycle through oversized histories and questions, malformed arguments, unknown filters, HTML and big uploads.
Prints the normal clients' errors and latency in both phases, what the hostile requests got back, and the
server's RSS at rest, at peak and ``--after`` seconds after the load. Every loop is bounded; loopback only.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import (
    RssSampler,
    Stats,
    api_call,
    dev_questions,
    machine,
    machine_line,
    rss_mb,
    smoke_settings,
    write_json,
)
from bench.load import client_loop, start_server, stop_server

MAX_REQUESTS_PER_CLIENT = 10_000  # besides the deadline, a hard bound on every loop
TIMEOUT = httpx.Timeout(120.0, connect=10.0)
FOLLOW_UP = "香港研究人才库的研究人才每月津贴是多少？"


def _answer_call(data: list) -> Callable[[httpx.Client], str]:
    """A raw call of /answer (POST, then read the event stream): returns how the server answered."""

    def run(http: httpx.Client) -> str:
        event, payload = api_call(http, "answer", data)
        if isinstance(payload, httpx.Response):
            return event + (" + message" if _has_message(payload) else " without message")
        if event == "complete":
            return "answered"
        if event == "error":
            message = payload.get("error") if isinstance(payload, dict) else payload
            return "refused with message" if message else "error WITHOUT message"
        return f"stream ended ({event or 'no event'})"

    return run


def _has_message(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return bool(response.text.strip())
    return bool(isinstance(body, dict) and (body.get("error") or body.get("detail")))


def _upload(size: int) -> Callable[[httpx.Client], str]:
    def run(http: httpx.Client) -> str:
        response = http.post("gradio_api/upload", files={"files": ("big.bin", b"\0" * size)})
        return f"upload http {response.status_code}"

    return run


def hostile_requests(upload_bytes: int) -> list[tuple[str, Callable[[httpx.Client], str]]]:
    """The worst inputs of issue 10, each a (name, call) pair."""
    max_history = json.dumps([{"question": FOLLOW_UP + "。" * 480, "answer": "答" * 2000}] * 20, ensure_ascii=False)
    huge_history = json.dumps([{"question": "研发" * 500_000}])
    return [
        ("1M-char earlier question", _answer_call(["那博士呢？", huge_history, "", ""])),
        ("1M-char question", _answer_call(["研" * 1_000_000, "[]", "", ""])),
        ("largest accepted history", _answer_call(["那博士呢？", max_history, "", ""])),
        ("history as a list", _answer_call(["那博士呢？", [{"question": FOLLOW_UP}], "", ""])),
        ("history nested 40k deep", _answer_call(["那博士呢？", "[" * 40_000 + "]" * 40_000, "", ""])),
        ("document filter a number", _answer_call(["发展目标是什么？", "[]", 3, ""])),
        ("too few arguments", _answer_call(["香港"])),
        ("unknown document ../../etc/passwd", _answer_call(["发展目标是什么？", "[]", "../../etc/passwd", ""])),
        ("HTML question", _answer_call(["<img src=x onerror=alert(1)>", "[]", "", ""])),
        ("big upload", _upload(upload_bytes)),
    ]


def hostile_loop(url: str, offset: int, deadline: float, outcomes: Counter, upload_bytes: int) -> None:
    requests = hostile_requests(upload_bytes)
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        for i in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                break
            name, run = requests[(offset + i) % len(requests)]
            try:
                outcome = run(http)
            except httpx.HTTPError as exc:  # e.g. the server closed an oversized upload early
                outcome = f"connection {exc.__class__.__name__}"
            outcomes[f"{name}: {outcome}"] += 1


@dataclass
class Phase:
    name: str
    normal_clients: int
    hostile_clients: int
    seconds: float
    answers: int
    errors: int
    latency: Stats
    server_rss_peak_mb: float
    first_error: str = ""
    hostile_outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class MixedReport:
    machine: dict
    url: str
    server_rss_start_mb: float  # right after start-up
    server_rss_rest_mb: float  # after the warm-up (every dev question once), idle
    server_rss_between_mb: float  # after the normal-only phase, before the hostile clients join
    server_rss_after_mb: float
    after_s: float
    phases: list[Phase]


def run_phase(
    name: str, url: str, pid: int, normal: int, hostile: int, duration: float, questions: list[str], upload: int
) -> Phase:
    latencies: list[float] = []
    errors: list[str] = []
    outcomes: Counter = Counter()
    deadline = time.monotonic() + duration
    threads = [
        threading.Thread(target=client_loop, args=(url, questions, i * 7, deadline, latencies, errors), daemon=True)
        for i in range(normal)
    ]
    threads += [
        threading.Thread(target=hostile_loop, args=(url, i * 3, deadline, outcomes, upload), daemon=True)
        for i in range(hostile)
    ]
    started = time.perf_counter()
    with RssSampler(pid, interval=0.2) as sampler:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 300)
    return Phase(
        name, normal, hostile, time.perf_counter() - started, len(latencies), len(errors), Stats.of(latencies),
        sampler.peak_mb, errors[0] if errors else "", dict(sorted(outcomes.items())),
    )


def warm_up(url: str, questions: list[str]) -> None:
    """Every dev question once, one at a time: what loads lazily (the English dictionary, caches) is loaded
    before "at rest" is measured, so later growth is the load's, not first use's."""
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    for q in questions:
        client.predict(q, "[]", "", "", api_name="/answer")
    if hasattr(client, "close"):
        client.close()


def print_report(r: MixedReport) -> None:
    print(machine_line())
    print(f"server {r.url}, rss after start-up {r.server_rss_start_mb:.0f} MB")
    for p in r.phases:
        print(
            f"[{p.name}] {p.normal_clients} normal + {p.hostile_clients} hostile clients, {p.seconds:.1f} s: "
            f"{p.answers} answers, normal-client errors {p.errors}, "
            f"latency p50 {p.latency.p50:.0f} ms p95 {p.latency.p95:.0f} ms, "
            f"server peak rss {p.server_rss_peak_mb:.0f} MB"
        )
        if p.first_error:
            print(f"  first normal-client error: {p.first_error}")
        for outcome, n in p.hostile_outcomes.items():
            print(f"  hostile {outcome}: {n}")
    base, mixed = r.phases[0], r.phases[-1]
    print(f"p95 with hostile clients / without: {mixed.latency.p95 / base.latency.p95:.2f}x (target <= 2x)")
    peak = max(p.server_rss_peak_mb for p in r.phases)
    print(
        f"server rss: at rest {r.server_rss_rest_mb:.0f} MB, peak {peak:.0f} MB, "
        f"{r.after_s:.0f} s after {r.server_rss_after_mb:.0f} MB "
        f"({(r.server_rss_after_mb / r.server_rss_rest_mb - 1) * 100:+.0f}% of rest, target within 20%)"
    )
    print(
        f"server rss after the normal-only phase {r.server_rss_between_mb:.0f} MB; {r.after_s:.0f} s after the "
        f"hostile phase {(r.server_rss_after_mb / r.server_rss_between_mb - 1) * 100:+.0f}% of that"
    )


def main(argv: list[str] | None = None) -> MixedReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--normal", type=int, default=20)
    ap.add_argument("--hostile", type=int, default=4)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--after", type=float, default=60.0, help="seconds of rest before the last RSS reading")
    ap.add_argument("--upload-mb", type=float, default=20.0, help="size of the hostile uploads")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    normal, hostile, duration, after, env = args.normal, args.hostile, args.duration, args.after, {}
    if args.smoke:
        s = smoke_settings()
        normal, hostile, duration, after = 2, 1, 3.0, 1.0
        env = {"POLICYQA_SEEDS_DIR": str(s.seeds_dir), "POLICYQA_INDEX_DIR": str(s.index_dir)}
    upload = int(args.upload_mb * 1_000_000)
    questions = dev_questions()
    child, url = start_server(env)
    try:
        start = rss_mb(child.pid)
        warm_up(url, questions if not args.smoke else questions[:3])
        time.sleep(min(3.0, after))
        rest = rss_mb(child.pid)
        phases = [run_phase("normal only", url, child.pid, normal, 0, duration, questions, upload)]
        time.sleep(min(5.0, after))
        between = rss_mb(child.pid)
        phases.append(run_phase("with hostile", url, child.pid, normal, hostile, duration, questions, upload))
        time.sleep(after)
        after_mb = rss_mb(child.pid)
    finally:
        stop_server(child)
    report = MixedReport(machine(), url, start, rest, between, after_mb, after, phases)
    print_report(report)
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
