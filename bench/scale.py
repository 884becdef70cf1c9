"""Vector and keyword search at 10k / 100k / 1M chunks: FAISS flat vs HNSW vs IVF(-PQ), and BM25 (bm25s).

    python -m bench.scale [--sizes 10000,100000,1000000] [--types flat,hnsw,ivfpq] [--out bench/results/scale.json]
    python -m bench.scale --smoke

Synthetic corpora, built from the seeds (say so when quoting the figures):
- vectors: every seed chunk is embedded with the real model (the index's own passage vectors); row i of a corpus
  of n is seed vector (i mod m) plus Gaussian noise N(0, sigma^2) per dimension, re-normalised to unit length.
  The default sigma=0.013 puts a synthetic row at cosine ~0.97 to its seed, the same as the mean cosine of a seed
  chunk to its nearest other seed chunk (both reported), so copies sit as close to their source as real
  neighbouring passages do. Corpora are clusters of near-duplicates around the real passages; ranking inside a
  cluster depends on the noise alone, a hard (pessimistic) case for approximate indexes' recall.
- BM25: the seed chunks' jieba tokens, repeated (row i = tokens of seed chunk i mod m, distinct row ids).
- queries: the dev questions only, embedded with the real model (e5 query prompt); BM25 with their jieba tokens.
Index configurations are the product's own (index.vector_store.build_faiss_index). Latency is one query at a
time, k=10, with 1 OpenMP thread by default (--search-threads; on a busy 2-core machine FAISS's default of all
cores makes a single flat query ~30x slower from OpenMP spin/wake-up), median over all queries x repeats;
recall@10 is against exact (flat) search on the same corpus.
Index memory is the serialised index size (faiss.serialize_index), BM25 memory the sparse matrix's bytes.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from bench.common import Stats, dev_questions, embedder, machine, machine_line, smoke_settings, write_json
from index.builder import ensure_index
from index.keyword_store import KeywordStore
from index.settings import REPO_ROOT, Settings
from index.textnorm import search_tokens
from index.vector_store import build_faiss_index

DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "scale.json"
DEFAULT_CHART = REPO_ROOT / "docs" / "latency_vs_size.png"
K = 10
BM25_POOL = 50  # what qa.retrieve asks BM25 for


@dataclass
class Row:
    size: int
    method: str  # flat, hnsw, ivf, ivfpq, bm25
    build_s: float | None = None
    memory_mb: float | None = None
    query_p50_ms: float | None = None
    query_p95_ms: float | None = None
    recall_at_10: float | None = None
    note: str = ""


@dataclass
class ScaleReport:
    machine: dict
    seed_chunks: int
    sigma: float
    cos_to_seed: float
    seed_nn_cos: float
    queries: int
    repeats: int
    search_threads: int
    rows: list[Row] = field(default_factory=list)


def synth_vectors(base: np.ndarray, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        block = base[rows % len(base)] + sigma * rng.standard_normal((len(rows), base.shape[1]), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + len(rows)] = block
    return out


SEARCH_THREADS = [1]  # OpenMP threads for timed searches (builds use every core); set from --search-threads


def time_queries(search, queries, repeats: int) -> tuple[Stats, list]:
    times, results = [], []
    build_threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(SEARCH_THREADS[0])
    for r in range(repeats):
        for q in queries:
            t = time.perf_counter()
            res = search(q)
            times.append((time.perf_counter() - t) * 1000)
            if r == 0:
                results.append(res)
    faiss.omp_set_num_threads(build_threads)
    return Stats.of(times), results


def recall(approx: list[np.ndarray], exact: list[np.ndarray]) -> float:
    return float(np.mean([len(set(a.tolist()) & set(e.tolist())) / len(e) for a, e in zip(approx, exact, strict=True)]))


def bench_faiss(vectors, queries, kind: str, repeats: int, exact: list | None) -> tuple[Row, list]:
    t = time.perf_counter()
    index = build_faiss_index(vectors, kind)
    build = time.perf_counter() - t
    memory = faiss.serialize_index(index).nbytes / 2**20
    stats, results = time_queries(lambda q: index.search(q[None, :], K)[1][0], queries, repeats)
    rec = 1.0 if exact is None else recall(results, exact)
    return Row(len(vectors), kind, build, memory, stats.p50, stats.p95, rec), results


def bench_bm25(tokens: list[list[str]], n: int, query_tokens: list[list[str]], repeats: int) -> Row:
    corpus = [tokens[i % len(tokens)] for i in range(n)]
    t = time.perf_counter()
    store = KeywordStore.build([], tokens=corpus)
    build = time.perf_counter() - t
    s = store.retriever.scores
    memory = sum(np.asarray(s[key]).nbytes for key in ("data", "indices", "indptr")) / 2**20

    def search(q: list[str]) -> np.ndarray:
        scores = store.scores(q)
        top = np.argpartition(-scores, BM25_POOL - 1)[:BM25_POOL]
        return top[np.argsort(-scores[top], kind="stable")]

    stats, _ = time_queries(search, query_tokens, repeats)
    return Row(n, "bm25", build, memory, stats.p50, stats.p95, None, "jieba tokens of the seed chunks, repeated")


def predicted(rows: list[Row], method: str, n: int) -> float | None:
    """Build time at n, extrapolated n log n from the largest measured size of this method."""
    done = [r for r in rows if r.method == method and r.build_s is not None]
    if not done:
        return None
    last = max(done, key=lambda r: r.size)
    return last.build_s * (n * math.log(n)) / (last.size * math.log(last.size))


def run(
    settings: Settings,
    sizes: list[int],
    types: list[str],
    sigma: float,
    repeats: int,
    n_queries: int,
    max_build_s: float,
    bm25: bool,
) -> ScaleReport:
    emb = embedder(settings)
    index = ensure_index(settings, emb, progress=False)
    base = np.ascontiguousarray(index.embeddings, dtype=np.float32)
    tokens = [search_tokens(c.context_text) or ["\u2205"] for c in index.chunks]
    questions = dev_questions(n_queries or None)
    queries = emb.encode_queries(questions)
    query_tokens = [search_tokens(q) for q in questions]
    sims = base @ base.T
    np.fill_diagonal(sims, -1)
    probe = synth_vectors(base, len(base), sigma, seed=1)
    report = ScaleReport(
        machine(),
        len(base),
        sigma,
        float(np.mean(np.sum(probe * base, axis=1))),
        float(np.mean(sims.max(axis=1))),
        len(questions),
        repeats,
        SEARCH_THREADS[0],
    )
    for n in sizes:
        vectors = synth_vectors(base, n, sigma)
        exact = None
        for kind in ["flat", *[t for t in types if t != "flat"]]:
            guess = predicted(report.rows, kind, n)
            if guess is not None and guess > max_build_s:
                report.rows.append(Row(n, kind, note=f"skipped: predicted build {guess:.0f} s > {max_build_s:.0f} s"))
                print(f"  n={n:>9,} {kind:<6} skipped (predicted build {guess:.0f} s)", flush=True)
                continue
            row, results = bench_faiss(vectors, queries, kind, repeats, exact)
            gc.collect()
            if kind == "flat":
                exact = results
            if kind in types:
                report.rows.append(row)
                print(
                    f"  n={n:>9,} {kind:<6} build {row.build_s:7.2f} s  mem {row.memory_mb:8.1f} MB  "
                    f"p50 {row.query_p50_ms:7.3f} ms  recall@10 {row.recall_at_10:.3f}",
                    flush=True,
                )
        del vectors
        gc.collect()
        if bm25:
            guess = predicted(report.rows, "bm25", n)
            if guess is not None and guess > max_build_s:
                report.rows.append(Row(n, "bm25", note=f"skipped: predicted build {guess:.0f} s"))
                continue
            row = bench_bm25(tokens, n, query_tokens, repeats)
            gc.collect()
            report.rows.append(row)
            print(
                f"  n={n:>9,} bm25   build {row.build_s:7.2f} s  mem {row.memory_mb:8.1f} MB  "
                f"p50 {row.query_p50_ms:7.3f} ms",
                flush=True,
            )
    return report


def print_table(r: ScaleReport) -> None:
    print(machine_line())
    print(
        f"source: {r.seed_chunks} real seed-chunk vectors; sigma {r.sigma}: "
        f"synthetic cos to seed {r.cos_to_seed:.3f} (seed nearest-neighbour cos {r.seed_nn_cos:.3f}); "
        f"{r.queries} dev queries x {r.repeats} repeats, k={K}, "
        f"{r.search_threads} search thread(s)"
    )
    print(f"{'size':>10} {'method':<6} {'build s':>9} {'mem MB':>9} {'p50 ms':>9} {'p95 ms':>9} {'recall@10':>9}")
    for row in r.rows:

        def f(v, fmt):
            return format(v, fmt) if v is not None else "-"

        print(
            f"{row.size:>10,} {row.method:<6} {f(row.build_s, '9.2f')} {f(row.memory_mb, '9.1f')} "
            f"{f(row.query_p50_ms, '9.3f')} {f(row.query_p95_ms, '9.3f')} {f(row.recall_at_10, '9.3f')} {row.note}"
        )


def chart(r: ScaleReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for method in ("flat", "hnsw", "ivf", "ivfpq", "bm25"):
        pts = sorted((row.size, row.query_p50_ms) for row in r.rows if row.method == method and row.query_p50_ms)
        if pts:
            label = {"bm25": "BM25 (bm25s, full scoring + top-50)"}.get(method, f"FAISS {method}")
            ax.plot(*zip(*pts, strict=True), marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (chunks, synthetic from the seeds)")
    ax.set_ylabel("query latency p50 (ms, one query, k=10)")
    m = r.machine
    ax.set_title(f"Search latency vs corpus size — {m['nproc']} CPU {m['cpu']}, shared machine", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> ScaleReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--types", default="flat,hnsw,ivfpq", help="any of flat,hnsw,ivf,ivfpq")
    ap.add_argument("--sigma", type=float, default=0.013)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--queries", type=int, default=0, help="first N dev questions (0: all)")
    ap.add_argument("--max-build-s", type=float, default=420.0, help="skip a build predicted to take longer")
    ap.add_argument(
        "--search-threads",
        type=int,
        default=1,
        help="OpenMP threads while timing single queries (0: FAISS default, all cores)",
    )
    ap.add_argument("--no-bm25", action="store_true")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--chart", type=Path, default=DEFAULT_CHART)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    if args.smoke:
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="policyqa-bench-scale-"))
        settings, sizes, repeats, n_queries = smoke_settings(tmp), [500, 2000], 1, 3
        args.types = "flat,hnsw,ivf"  # IVF-PQ training alone takes seconds even on tiny corpora
        out, chart_path = tmp / "scale.json", tmp / "latency_vs_size.png"
    else:
        settings = Settings.from_env()
        sizes, repeats, n_queries = [int(s) for s in args.sizes.split(",")], args.repeats, args.queries
        out, chart_path = args.out, args.chart
    SEARCH_THREADS[0] = args.search_threads or faiss.omp_get_max_threads()
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    report = run(settings, sizes, types, args.sigma, repeats, n_queries, args.max_build_s, not args.no_bm25)
    print_table(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, report)
    chart(report, chart_path)
    print(f"wrote {out} and {chart_path}")
    return report


if __name__ == "__main__":
    main()
