"""`policyqa serve`: build (if needed) and load the model and index once, then serve the chat app locally."""

from __future__ import annotations

import argparse
import os
import threading

from index.cli import add_common_args, settings_from_args


def serving_pipeline(settings, progress: bool = True):
    """The pipeline a server runs: one embedding worker for all concurrent requests (chat page and API alike)."""
    from index.embed_queue import QueuedEmbedder
    from index.embedder import Embedder
    from qa.pipeline import Pipeline

    embedder = QueuedEmbedder(
        Embedder(settings), wait_ms=settings.embed_queue_wait_ms, idle_trim_s=settings.idle_trim_s
    )
    return Pipeline(settings, embedder=embedder, progress=progress)


def run_serve(args: argparse.Namespace) -> int:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from qa.live import LivePipeline
    from ui.app import create_app, launch_options

    settings = settings_from_args(args)
    print("正在加载模型和索引（首次运行会先转换模型、建立索引）……", flush=True)
    # Follows the index on disk: a `policyqa index` run beside the server is picked up without a restart; one
    # embedding worker serves every concurrent request.
    pipeline = LivePipeline(serving_pipeline(settings))
    threading.Thread(target=pipeline.warm_dictionaries, name="policyqa-dictionaries", daemon=True).start()
    demo = create_app(pipeline)
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"policyqa 已就绪：{url}  （Ctrl+C 退出）", flush=True)
    options = launch_options(settings, pipeline)
    demo.launch(server_name=args.host, server_port=args.port, inbrowser=False, quiet=True, **options)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the chat app in the browser (local only)")
    add_common_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.set_defaults(func=run_serve)
