"""Feedback on a full disk and in an unwritable folder (issue 10, item 2).

The full disk is real: a child process lowers its file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), so the
operating system cuts the append short and then fails it with EFBIG, as a full disk does with ENOSPC.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest

from index.settings import REPO_ROOT
from ui.feedback import NOT_SAVED, append_feedback, check_writable, make_record, save_vote

ANSWER = {"question": "问" * 300, "answer": "答" * 2000, "citations": [{"n": 1, "text": "文" * 3000}]}

_CHILD = textwrap.dedent(
    """
    import os, resource, signal, sys
    from ui.feedback import append_feedback, make_record

    path, answer = sys.argv[1], {"question": "问" * 300, "answer": "答" * 2000, "citations": []}
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing us
    append_feedback(path, make_record(answer, "up", "first"))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 100, hard))  # room for 100 bytes more
    try:
        append_feedback(path, make_record(answer, "down", "lost"))
        print("SAVED", flush=True)
    except OSError as exc:
        print("NOT SAVED", exc.errno, flush=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # the disk has room again
    append_feedback(path, make_record(answer, "down", "third"))
    print("DONE", flush=True)
    """
)


def test_full_disk_leaves_the_file_as_it_was(tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "NOT SAVED" in result.stdout and "DONE" in result.stdout, result.stdout
    lines = path.read_bytes().decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line whole: nothing glued onto half a record
    assert [r["comment"] for r in records] == ["first", "third"]


def test_unwritable_feedback_folder_is_reported(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the feedback folder should be", encoding="utf-8")
    path = blocker / "feedback.jsonl"
    problem = check_writable(path)
    assert problem and str(path) in problem
    saved, message = save_vote(path, ANSWER, "up", "c")
    assert not saved and message == NOT_SAVED
    assert check_writable(tmp_path / "new" / "feedback.jsonl") is None


def test_vote_messages(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    assert save_vote(path, None, "up") == (False, "请先提问，得到回答后再评价。")
    assert save_vote(path, ANSWER, "up")[0] and save_vote(path, ANSWER, "down")[0]
    assert [json.loads(line)["vote"] for line in path.read_text(encoding="utf-8").splitlines()] == ["up", "down"]


@pytest.mark.slow
def test_app_start_reports_unwritable_feedback(tmp_path, pipeline, caplog) -> None:
    from qa.pipeline import Pipeline
    from ui.app import create_app

    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    settings = pipeline.settings.replace(feedback_file=blocker / "feedback.jsonl")
    other = Pipeline(settings, embedder=pipeline.embedder, index=pipeline.index, progress=False)
    with caplog.at_level(logging.WARNING, logger="ui.app"):
        create_app(other)
    assert "feedback cannot be saved" in caplog.text and str(blocker) in caplog.text


def test_appends_still_whole_lines(tmp_path) -> None:
    path = tmp_path / "f.jsonl"
    for i in range(3):
        append_feedback(path, make_record(ANSWER, "up", str(i)))
    assert [json.loads(x)["comment"] for x in path.read_text(encoding="utf-8").splitlines()] == ["0", "1", "2"]
