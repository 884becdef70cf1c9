"""Shared fixtures: the real model, a real index built once per session from the bundled seeds."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedder import Embedder
from index.settings import REPO_ROOT, Settings

SEEDS = REPO_ROOT / "seeds"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Bundled seeds, a fresh index folder for this session, the shared converted-model cache."""
    return Settings.from_env().replace(
        seeds_dir=SEEDS,
        index_dir=tmp_path_factory.mktemp("index"),
        feedback_file=tmp_path_factory.mktemp("feedback") / "feedback.jsonl",
    )


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> Embedder:
    return Embedder(settings)


@pytest.fixture(scope="session")
def pipeline(settings: Settings, embedder: Embedder):
    from qa.pipeline import Pipeline

    return Pipeline(settings, embedder=embedder, progress=False)


@pytest.fixture(scope="session")
def loaded_index(pipeline):
    return pipeline.index


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seeds folder, for tests that change documents."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for f in SEEDS.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(pipeline) -> Iterator[str]:
    """A real Gradio server on 127.0.0.1 (random free port), shared by the API and browser tests."""
    from ui.app import create_app, launch_options

    demo = create_app(pipeline)
    port = free_port()
    options = launch_options(pipeline.settings, pipeline)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **options)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
