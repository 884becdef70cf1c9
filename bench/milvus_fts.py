"""Can Milvus's own full-text search (BM25 over a Chinese analyzer) replace the in-process BM25?

    POLICYQA_INDEX_DIR=... python -m bench.milvus_fts [--split dev] [--json out.json]

Loads an existing index (its chunks), puts their texts into a milvus-lite collection with a BM25 function over
an analyzer with the jieba tokenizer (milvus-lite 3.2.2 refuses the ``{"type": "chinese"}`` analyzer:
``unknown tokenizer type: 'chinese' (supported: 'standard', 'jieba')``), and ranks the answerable questions of
a split both ways: the product's in-process BM25 (bm25s over index/textnorm tokens) and Milvus. Printed:
hit@5 and MRR@10 by the evaluation's relevance rule, top-10 overlap, query latency. Nothing else changes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import Stats, fmt_ms, machine, machine_line, write_json
from eval.metrics import Passage, hit_at, is_relevant, reciprocal_rank
from eval.questions import UNANSWERABLE, load_questions, select_split
from index import store
from index.settings import Settings
from index.textnorm import fold_width, search_tokens, to_simplified

ANALYZER = {"tokenizer": "jieba"}
K = 10


@dataclass
class Ranking:
    name: str
    hit_at_5: float
    mrr_at_10: float
    latency: Stats


@dataclass
class FtsReport:
    machine: dict
    questions: int
    chunks: int
    build_s: float
    rankings: list[Ranking]
    top10_overlap: float


def milvus_collection(texts: list[str]):
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    client = MilvusClient(str(Path(tempfile.mkdtemp(prefix="policyqa-fts-")) / "milvus.db"))
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    params = client.prepare_index_params()
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("chunks", schema=schema, index_params=params, consistency_level="Strong")
    client.insert("chunks", [{"id": i, "text": t} for i, t in enumerate(texts)])
    return client


def main(argv: list[str] | None = None) -> FtsReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    index = store.load_index(settings.index_dir)
    clean = {name: d.clean_text for name, d in index.documents.items()}
    passages = [Passage(c.doc, c.start, c.end, c.text) for c in index.chunks]
    texts = [c.context_text for c in index.chunks]
    questions = [q for q in select_split(load_questions(), args.split) if q.type != UNANSWERABLE and q.evidence]
    t = time.perf_counter()
    client = milvus_collection(texts)
    build_s = time.perf_counter() - t
    ranks: dict[str, list[list[int]]] = {"in-process bm25s": [], "milvus-lite BM25 (jieba)": []}
    times: dict[str, list[float]] = {name: [] for name in ranks}
    for q in questions:
        query = fold_width(to_simplified(q.question))  # the same simplification the product does first
        t = time.perf_counter()
        scores = index.keywords.scores(search_tokens(query))
        ranks["in-process bm25s"].append([int(i) for i in np.argsort(-scores, kind="stable")[:K] if scores[i] > 0])
        times["in-process bm25s"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        found = client.search(
            "chunks", data=[query], anns_field="sparse", limit=K, search_params={"metric_type": "BM25"}
        )
        ranks["milvus-lite BM25 (jieba)"].append([int(hit["id"]) for hit in found[0]])
        times["milvus-lite BM25 (jieba)"].append((time.perf_counter() - t) * 1000)
    rankings = []
    for name, per_question in ranks.items():
        rel = [
            [is_relevant(passages[i], q.docs, q.evidence, clean) for i in ids]
            for q, ids in zip(questions, per_question, strict=True)
        ]
        rankings.append(
            Ranking(
                name,
                float(np.mean([hit_at(r, 5) for r in rel])),
                float(np.mean([reciprocal_rank(r, K) for r in rel])),
                Stats.of(times[name]),
            )
        )
    a, b = ranks.values()
    overlap = float(np.mean([len(set(x) & set(y)) / K for x, y in zip(a, b, strict=True)]))
    report = FtsReport(machine(), len(questions), len(texts), build_s, rankings, overlap)
    print(machine_line())
    print(f"{len(questions)} answerable {args.split} questions over {len(texts)} chunks")
    print(f"milvus-lite collection (BM25 function, jieba analyzer) built in {build_s:.2f} s")
    for r in rankings:
        print(f"[{r.name}] hit@5 {r.hit_at_5:.3f}  MRR@10 {r.mrr_at_10:.3f}  query {fmt_ms(r.latency)}")
    print(f"top-10 overlap between the two: {overlap:.2f}")
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
