"""Shared helpers for the benchmarks: dev questions, percentiles, machine facts, a tiny smoke corpus."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.settings import REPO_ROOT, Settings

QUESTIONS_DIR = REPO_ROOT / "eval" / "questions"
SEEDS_DIR = REPO_ROOT / "seeds"
SMOKE_DOC = "003_0162c2ce5302660f.txt"
SMOKE_CHARS = 1500


def dev_questions(limit: int | None = None) -> list[str]:
    """The dev-split questions only (never test), in file order."""
    out: list[str] = []
    for path in sorted(QUESTIONS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("split") == "dev":
                    out.append(row["question"])
    return out[:limit] if limit else out


@dataclass(frozen=True)
class Stats:
    n: int
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        if not values:
            return cls(0, float("nan"), float("nan"), float("nan"))
        a = np.asarray(values, dtype=np.float64)
        return cls(len(a), float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.mean()))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | None = None) -> float:
    """Current resident set size of a process, from /proc."""
    status = Path(f"/proc/{pid or os.getpid()}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def machine_line() -> str:
    m = machine()
    return (
        f"machine: {m['nproc']} cpu ({m['cpu']}), {m['ram_gib']} GiB RAM, python {m['python']}, "
        f"load avg {m['loadavg_1m']} (shared machine: other jobs may run)"
    )


def smoke_settings(workdir: Path | None = None) -> Settings:
    """Settings over a tiny seeds folder (the start of one document) and a fresh index folder."""
    root = Path(workdir or tempfile.mkdtemp(prefix="policyqa-bench-"))
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    text = (SEEDS_DIR / SMOKE_DOC).read_text(encoding="utf-8")[:SMOKE_CHARS]
    (seeds / SMOKE_DOC).write_text(text, encoding="utf-8")
    shutil.copy(SEEDS_DIR / "catalog.toml", seeds / "catalog.toml")
    return Settings.from_env().replace(seeds_dir=seeds, index_dir=root / "index")


_EMBEDDERS: dict[tuple, object] = {}


def embedder(settings: Settings):
    """One Embedder per model per process, so in-process smoke runs load the model once."""
    from index.embedder import Embedder

    key = (settings.model, settings.embed_backend, settings.model_cache_dir, settings.threads)
    key += (settings.query_prompt, settings.passage_prompt)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Embedder(settings)
    return _EMBEDDERS[key]


def fmt_ms(s: Stats) -> str:
    return f"p50 {s.p50:8.2f} ms  p95 {s.p95:8.2f} ms  (n={s.n})"


class RssSampler:
    """Peak RSS of a process during a ``with`` block, sampled from /proc every ``interval`` seconds."""

    def __init__(self, pid: int | None = None, interval: float = 0.02) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self.peak_mb = rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb(self.pid))


def api_call(http, api: str, data: list) -> tuple[str, object]:
    """One call through Gradio's REST API with an ``httpx.Client`` (POST, then read the event stream).

    Returns ("complete" or "error", the event's data); ("http NNN", the response) when the POST itself was
    refused; (the last event or "", None) when the stream ended without a result.
    """
    started = http.post(f"gradio_api/call/{api}", json={"data": data})
    if started.status_code != 200:
        return f"http {started.status_code}", started
    event = ""
    with http.stream("GET", f"gradio_api/call/{api}/{started.json()['event_id']}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                return event, json.loads(line.split(":", 1)[1])
    return event, None


def write_json(path: Path, report: object) -> None:
    """Write a report dataclass as JSON, atomically (temp file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
