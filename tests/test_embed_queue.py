"""The shared query-embedding worker: concurrent questions get exactly their own vectors, batched when allowed."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.embed_queue import QueuedEmbedder
from index.embedder import Embedder

QUESTIONS = [
    "香港的研发开支税务扣减是多少？",
    "东丽区2025年每万人口高价值发明专利目标是多少？",
    "翠亨新区",
    "What does the innovation and technology fund support?",
    "网络学习空间应用",
    "博士研究人才每月津贴是多少？请说明适用条件和申请方式。",
]


def ask_together(queued: QueuedEmbedder, questions: list[str]) -> list[np.ndarray]:
    results: list[np.ndarray | None] = [None] * len(questions)
    start = threading.Barrier(len(questions))

    def ask(i: int) -> None:
        start.wait(timeout=30)
        results[i] = queued.encode_queries([questions[i]])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_concurrent_questions_share_a_batch_and_keep_their_vectors(embedder):
    assert embedder.batch_invariant
    queued = QueuedEmbedder(embedder, wait_ms=200)  # a long window, so that the threads surely meet
    try:
        got = ask_together(queued, QUESTIONS)
    finally:
        queued.close()
    alone = [embedder.encode_queries([q]) for q in QUESTIONS]
    for mine, reference in zip(got, alone, strict=True):
        assert mine.shape == (1, embedder.info.dimension)
        np.testing.assert_allclose(mine, reference, atol=1e-5)
    assert max(queued.batch_sizes) > 1, queued.batch_sizes
    assert sum(queued.batch_sizes) == len(QUESTIONS)
    # The server builds a missing index through the queue's embedder: everything a build asks is there.
    assert (queued.build_batch_size, queued.info) == (embedder.build_batch_size, embedder.info)


def test_int8_questions_are_embedded_one_by_one(settings):
    """int8's activations are scaled per batch, so batching would make an answer depend on other users."""
    int8 = Embedder(settings.replace(embed_backend="onnx-int8"))
    assert not int8.batch_invariant
    queued = QueuedEmbedder(int8, wait_ms=200)
    try:
        got = ask_together(queued, QUESTIONS)
    finally:
        queued.close()
    assert queued.batch_sizes == [1] * len(QUESTIONS)
    for mine, q in zip(got, QUESTIONS, strict=True):
        np.testing.assert_array_equal(mine, int8.encode_queries([q]))


def test_error_reaches_the_caller_and_the_worker_goes_on(embedder):
    queued = QueuedEmbedder(embedder, wait_ms=0)
    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the tokenizer raises for a non-text
            queued.encode_queries([None])  # type: ignore[list-item]
        np.testing.assert_allclose(queued.encode_queries(["二"]), embedder.encode_queries(["二"]), atol=1e-5)
        assert queued.encode_queries([]).shape == (0, embedder.info.dimension)
    finally:
        queued.close()


def test_submitted_questions_come_back_as_encoded(embedder):
    """``submit_queries`` returns at once; its result is what ``encode_queries`` gives, plain or queued."""
    pending = [embedder.submit_queries([q]) for q in QUESTIONS]
    for q, p in zip(QUESTIONS, pending, strict=True):
        np.testing.assert_array_equal(p.result(), embedder.encode_queries([q]))
    queued = QueuedEmbedder(embedder, wait_ms=0)
    try:
        pending = [queued.submit_queries([q]) for q in QUESTIONS]
        for q, p in zip(QUESTIONS, pending, strict=True):
            np.testing.assert_allclose(p.result(), embedder.encode_queries([q]), atol=1e-5)
        assert queued.submit_queries([]).result().shape == (0, embedder.info.dimension)
        with pytest.raises(Exception):  # noqa: B017 - the worker's error reaches whoever waits for the result
            queued.submit_queries([None]).result()  # type: ignore[list-item]
    finally:
        queued.close()


@pytest.mark.parametrize(
    "question,history",
    [
        ("香港的研发开支税务扣减是多少？", ()),
        ("中山的“四换工程”具体指哪四换？这类工程安排了多少专项资金？", ()),  # two parts, the second leaning back
        ("What does the innovation and technology fund support?", ()),  # English: embedded after preparing
        ("那2027年呢？", (("到2025年，东丽区每万人口高价值发明专利拥有量目标是多少？", "…"),)),
    ],
)
def test_embedding_ahead_gives_the_same_answer(settings, pipeline, question, history):
    """Settings.embed_ahead only moves the query embedding to the worker thread: same passages, same answer."""
    from qa.pipeline import Pipeline
    from qa.types import Turn

    turns = [Turn(q, a) for q, a in history]
    own = Embedder(settings)  # its own, so that its worker starting shows that the ahead path ran
    ahead = Pipeline(settings.replace(embed_ahead=True), embedder=own, index=pipeline.index, progress=False)
    plain = pipeline.answer(question, turns)
    early = ahead.answer(question, turns)
    assert not plain.error and not early.error
    assert (early.answer, early.refused, early.citations) == (plain.answer, plain.refused, plain.citations)
    assert [h.row for h in early.passages] == [h.row for h in plain.passages]
    assert [h.score for h in early.passages] == [h.score for h in plain.passages]
    assert own._ahead is not None


def test_an_idle_worker_gives_freed_memory_back_once(embedder):
    """After questions stop coming the heap is trimmed once (glibc), not again until new questions came."""
    import time

    from index.memory import trim_heap

    queued = QueuedEmbedder(embedder, wait_ms=0, idle_trim_s=0.2)
    try:
        time.sleep(0.5)
        assert queued.trims == 0  # nothing was asked yet: nothing to give back
        queued.encode_queries(["二"])
        deadline = time.monotonic() + 10
        while queued.trims == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queued.trims == 1
        time.sleep(0.6)
        assert queued.trims == 1
        np.testing.assert_allclose(queued.encode_queries(["二"]), embedder.encode_queries(["二"]), atol=1e-5)
    finally:
        queued.close()
    assert isinstance(trim_heap(), bool)
