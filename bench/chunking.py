"""Compare chunking variants on the dev questions (never test): retrieval and answer figures per variant.

.venv/bin/python -m bench.chunking [--variants structured:300:60,window:400:0,...]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eval.metrics import aggregate
from eval.questions import load_questions, select_split
from eval.runner import run_system
from index.embedder import Embedder
from index.settings import Settings
from qa.pipeline import Pipeline

DEFAULT_VARIANTS = "structured:200:40,structured:300:60,structured:400:80,structured:600:100,window:400:0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help="method:size:overlap, comma separated")
    parser.add_argument("--limit", type=int, default=0, help="only the first N dev questions (smoke runs)")
    args = parser.parse_args(argv)
    questions = select_split(load_questions(), "dev")
    if args.limit:
        questions = questions[: args.limit]
    base = Settings.from_env()
    embedder = Embedder(base)
    print(f"{'variant':24s} {'chunks':>6s} {'hit@1':>6s} {'hit@5':>6s} {'mrr@10':>7s} {'facts':>6s}")
    with tempfile.TemporaryDirectory(prefix="policyqa-chunking-") as tmp:
        for spec in args.variants.split(","):
            method, size, overlap = spec.split(":")
            settings = base.replace(
                chunking=method, chunk_size=int(size), chunk_overlap=int(overlap), index_dir=Path(tmp) / spec
            )
            pipeline = Pipeline(settings, embedder=embedder, progress=False)
            m = aggregate(run_system(spec, pipeline, questions, progress=False))
            print(
                f"{spec:24s} {len(pipeline.index.chunks):6d} {m['hit@1']:6.3f} {m['hit@5']:6.3f} "
                f"{m['mrr@10']:7.3f} {m['all_facts']:6.3f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
