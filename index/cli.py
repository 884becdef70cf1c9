"""`policyqa index`, and the flags every subcommand shares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index.settings import Settings


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=Path, help="folder of .txt/.md documents (default: the bundled seeds)")
    parser.add_argument("--index", type=Path, help="index folder (default: under the user cache directory)")
    parser.add_argument("--model", help="sentence-transformers model folder (default: bundled multilingual-e5-small)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env().replace(
        seeds_dir=getattr(args, "seeds", None),
        index_dir=getattr(args, "index", None),
        model=getattr(args, "model", None),
    )


def run_index(args: argparse.Namespace) -> int:
    from index.builder import build_index
    from index.embedder import Embedder

    settings = settings_from_args(args)
    embedder = Embedder(settings.replace(threads=settings.build_threads))  # a build alone may use every core
    report = build_index(settings, embedder, rebuild=args.rebuild, progress=not args.quiet)
    for name, reason in report.skipped:
        print(f"warning: skipped {name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("index", help="build or update the index from the seeds folder")
    add_common_args(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run_index)
