"""Embedding backends side by side in one run: query latency, passage throughput by batch size, cold builds.

    python -m bench.embed_backends [--backends torch,onnx,onnx-int8,openvino-int8] [--rounds 2] [--json out.json]
    python -m bench.embed_backends --smoke     # the start of one document, a few questions

1. Query embedding: every dev question, one at a time, through ``Embedder.encode_queries`` (what a question
   costs), with the backends interleaved question by question so that a noisy machine hits them alike.
2. Passage throughput: the seeds' chunk texts embedded at several batch sizes (torch: 32 only), (a) in file
   order, the way the build embedded them before issue 13, and (b) sorted by length, the way it does now.
3. Cold builds: ``build_index`` into a fresh temporary folder per backend (chunks and sentences embedded).
The agreement of each backend's query vectors with torch's (mean and minimum cosine) is printed too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import Stats, dev_questions, fmt_ms, machine, machine_line, rss_mb, smoke_settings, write_json
from index.builder import build_index, chunking_params
from index.chunking import chunk_document
from index.documents import read_seeds
from index.embedder import Embedder
from index.modes import EmbedBackend
from index.settings import Settings

BATCH_SIZES = (1, 8, 16, 32, 64)
TORCH_BATCH = 32  # Settings.embed_batch_size before issue 13


@dataclass
class Throughput:
    backend: str
    batch: int
    order: str  # "file" or "sorted"
    texts: int
    seconds: float
    per_s: float


@dataclass
class BuildResult:
    backend: str
    chunks: int
    sentences: int
    seconds: float
    chunks_per_s: float


@dataclass
class BackendReport:
    machine: dict
    threads: int
    questions: int
    load_s: dict[str, float]
    rss_mb_after_load: dict[str, float]
    query: dict[str, Stats]
    cosine_to_torch: dict[str, tuple[float, float]]
    throughput: list[Throughput] = field(default_factory=list)
    builds: list[BuildResult] = field(default_factory=list)


def chunk_texts(settings: Settings) -> list[str]:
    scan = read_seeds(settings.seeds_dir, allow_symlinks=settings.allow_seed_symlinks)
    params = chunking_params(settings)
    return [c.context_text for doc in scan.documents for c in chunk_document(doc, params)]


def passage_rate(emb: Embedder, texts: list[str], batch: int, order: str) -> Throughput:
    if order == "sorted":
        texts = sorted(texts, key=len)
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        emb.encode_passages(texts[i : i + batch], batch_size=batch)
    seconds = time.perf_counter() - t
    return Throughput(emb.backend.value, batch, order, len(texts), seconds, len(texts) / seconds)


def measure(
    settings: Settings,
    backends: list[EmbedBackend],
    questions: list[str],
    rounds: int,
    batches: tuple[int, ...],
    builds: bool,
) -> BackendReport:
    embedders: dict[str, Embedder] = {}
    load_s, rss = {}, {}
    for b in backends:
        t = time.perf_counter()
        embedders[b.value] = Embedder(settings.replace(embed_backend=b.value))
        load_s[b.value] = time.perf_counter() - t
        embedders[b.value].encode_queries(["预热"])  # first call initialises the runtime
        rss[b.value] = rss_mb()
    times: dict[str, list[float]] = {b: [] for b in embedders}
    vectors: dict[str, list[np.ndarray]] = {b: [] for b in embedders}
    for _ in range(rounds):
        for q in questions:
            for name, emb in embedders.items():
                t = time.perf_counter()
                v = emb.encode_queries([q])
                times[name].append((time.perf_counter() - t) * 1000)
                vectors[name].append(v[0])
    cosines = {}
    if "torch" in vectors:
        ref = np.stack(vectors["torch"])
        for name, vs in vectors.items():
            c = np.sum(np.stack(vs) * ref, axis=1)
            cosines[name] = (float(c.mean()), float(c.min()))
    report = BackendReport(
        machine(), settings.threads, len(questions), load_s, rss, {n: Stats.of(v) for n, v in times.items()}, cosines
    )
    texts = chunk_texts(settings)
    for emb in embedders.values():
        # torch only at the build's batch size before issue 13 (32); it is the slow one on a shared machine
        for batch in (TORCH_BATCH,) if emb.backend is EmbedBackend.TORCH else batches:
            for order in ("file", "sorted"):
                report.throughput.append(passage_rate(emb, texts, batch, order))
    if builds:
        for name, emb in embedders.items():
            folder = Path(tempfile.mkdtemp(prefix=f"policyqa-bench-{name}-")) / "index"
            t = time.perf_counter()
            r = build_index(settings.replace(index_dir=folder, embed_backend=name), emb, rebuild=True, progress=False)
            seconds = time.perf_counter() - t
            sentences = len(np.load(r.path / "sentence_vectors.npy", mmap_mode="r"))
            report.builds.append(BuildResult(name, r.chunks, sentences, seconds, r.chunks / seconds))
    return report


def print_report(r: BackendReport) -> None:
    print(machine_line())
    print(f"threads per backend: {r.threads}; {r.questions} dev questions, one at a time, backends interleaved")
    for name, stats in r.query.items():
        cos = r.cosine_to_torch.get(name)
        agree = f"  cosine to torch mean {cos[0]:.4f} min {cos[1]:.4f}" if cos else ""
        print(
            f"[query {name:<13}] {fmt_ms(stats)}  load {r.load_s[name]:.2f} s  rss {r.rss_mb_after_load[name]:.0f} MB"
            f"{agree}"
        )
    if "torch" in r.query:
        for name, stats in r.query.items():
            if name != "torch":
                print(f"query p50 speed-up {name} vs torch: {r.query['torch'].p50 / stats.p50:.2f}x")
    for t in r.throughput:
        print(
            f"[passages {t.backend:<13}] batch {t.batch:>3} {t.order:<6} {t.texts} in {t.seconds:7.2f} s: "
            f"{t.per_s:7.1f} chunks/s"
        )
    today = next((t for t in r.throughput if t.backend == "torch" and t.batch == 32 and t.order == "file"), None)
    for name in r.query:
        best = max((t for t in r.throughput if t.backend == name), key=lambda t: t.per_s, default=None)
        if best and today:
            print(
                f"best {name}: batch {best.batch} {best.order}, {best.per_s:.1f} chunks/s = "
                f"{best.per_s / today.per_s:.2f}x torch batch 32 file order (the build before issue 13)"
            )
    for b in r.builds:
        print(
            f"[build {b.backend:<13}] {b.chunks} chunks + {b.sentences} sentences in {b.seconds:.2f} s: "
            f"{b.chunks_per_s:.1f} chunks/s"
        )


def main(argv: list[str] | None = None) -> BackendReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="torch,onnx,onnx-int8,openvino-int8")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batches", default=",".join(map(str, BATCH_SIZES)))
    ap.add_argument("--no-builds", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="only the first N dev questions")
    ap.add_argument("--threads", type=int, default=None, help="model threads (default: POLICYQA_THREADS, 1)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    backends = [EmbedBackend.from_str(b) for b in args.backends.split(",")]
    if args.smoke:
        settings, questions, rounds, batches = smoke_settings(), dev_questions(3), 1, (1, 8)
    else:
        settings = Settings.from_env().replace(
            index_dir=Path(tempfile.mkdtemp(prefix="policyqa-bench-")) / "index", threads=args.threads
        )
        questions, rounds, batches = (
            dev_questions(args.limit or None),
            args.rounds,
            tuple(int(b) for b in args.batches.split(",")),
        )
    report = measure(settings, backends, questions, rounds, batches, builds=not args.no_builds)
    print_report(report)
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
