"""Hot swap (issue 12): `policyqa index` run from a shell beside a running app switches the app to the new build;
questions asked meanwhile all finish (on the old or the new build), none fails, no restart."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from index.builder import build_index
from index.settings import REPO_ROOT
from qa.live import LivePipeline
from qa.pipeline import Pipeline
from tests.test_faults import DOC_A, DOC_B, write_docs

OLD_QUESTION = "博士研究人才每月生活津贴多少？"
NEW_QUESTION = "发生数据安全事件时多长时间内要报告？"
ASKERS = 4


@pytest.mark.slow
def test_index_from_the_shell_switches_the_running_pipeline(tmp_path, settings, embedder) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    live = LivePipeline(Pipeline(s, embedder=embedder, progress=False))
    first_build = live.index.path
    assert all(h.chunk.doc == "a.txt" for h in live.answer(NEW_QUESTION).passages)

    answers: list[tuple[str, object]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def ask() -> None:
        while not done.is_set() and len(answers) < 2000:  # bounded: stops by itself
            try:
                answers.append((OLD_QUESTION, live.answer(OLD_QUESTION)))
            except BaseException as exc:  # any failure is the test's failure
                errors.append(exc)

    askers = [threading.Thread(target=ask) for _ in range(ASKERS)]
    for t in askers:
        t.start()
    try:
        write_docs(seeds, {"b.txt": DOC_B})
        env = dict(os.environ, POLICYQA_SEEDS_DIR=str(seeds), POLICYQA_INDEX_DIR=str(s.index_dir))
        shell = subprocess.run(
            [
                str(REPO_ROOT / ".venv/bin/policyqa") if (REPO_ROOT / ".venv/bin/policyqa").exists() else "policyqa",
                "index",
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=REPO_ROOT,
        )
        assert shell.returncode == 0, shell.stderr[-2000:]
        deadline = time.monotonic() + 120
        while live.index.path == first_build and time.monotonic() < deadline:
            time.sleep(0.2)  # the askers' questions notice the new build and load it in the background
    finally:
        done.set()
        for t in askers:
            t.join(timeout=120)
    assert errors == []
    assert live.swaps == 1 and live.index.path != first_build
    assert len(answers) >= ASKERS
    for _, answer in answers:
        assert answer.error is None and not answer.refused and "八千元" in answer.answer
    new = live.answer(NEW_QUESTION)  # the new document is searched: its passage is found (first)
    assert new.passages and new.passages[0].chunk.doc == "b.txt" and "两小时" in new.passages[0].chunk.text


def test_a_build_that_cannot_be_loaded_leaves_the_old_one_serving(tmp_path, settings, embedder, caplog) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    live = LivePipeline(Pipeline(s, embedder=embedder, progress=False))
    old = live.index.path
    write_docs(seeds, {"b.txt": DOC_B})
    build_index(s, embedder, progress=False)
    (live._published() / "chunks.jsonl").write_text("damaged\n", encoding="utf-8")
    assert live.refresh(wait=True) is False
    assert live.index.path == old and "八千元" in live.answer(OLD_QUESTION).answer
    assert "not loaded" in caplog.text
