"""One worker embeds the questions of every concurrent request: the Gradio queue and the API share it.

Without it, each request thread runs the model itself and up to ``concurrency`` inferences fight over the
cores. Here request threads put their texts on a queue and wait; one worker thread takes everything queued
(waiting up to ``wait_ms`` for more once the first arrives), runs the model, and hands each request its rows.

Batching needs a batch-invariant backend: torch and float32 ONNX give a text the same vector whatever else is
in its batch, but onnxruntime's dynamic int8 quantisation scales activations per batch tensor, so a question's
vector would depend on the questions that happened to arrive with it (cosine 0.996-0.998 to its vector alone,
measured on the dev questions). With int8 the worker therefore encodes the queued questions one by one: answers
stay exactly what a single user gets, and still only one inference runs at a time.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from index.embedder import Embedder
from index.memory import trim_heap

_STOP = object()


class PendingVectors(Protocol):
    """Vectors being embedded on another thread (``Embedder.submit_queries``): a Future or a queue request."""

    def result(self) -> np.ndarray: ...


@dataclass
class _Request:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None

    def result(self) -> np.ndarray:
        """Wait for the worker to embed these texts (the same call as ``Future.result``)."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.vectors is not None
        return self.vectors


class QueuedEmbedder:
    """An Embedder whose ``encode_queries`` goes through one worker thread; everything else is delegated."""

    def __init__(self, embedder: Embedder, wait_ms: float = 2.0, max_batch: int = 32, idle_trim_s: float = 0.0) -> None:
        self.inner = embedder
        self.info = embedder.info
        self.backend = embedder.backend
        self.query_prompt = embedder.query_prompt
        self.passage_prompt = embedder.passage_prompt
        self.batches = embedder.batch_invariant
        self.wait_s = max(0.0, wait_ms) / 1000 if self.batches else 0.0  # nothing to gather when not batching
        self.max_batch = max(1, max_batch)
        self.batch_sizes: list[int] = []  # texts per model call, for the load benchmark
        # Once questions stop coming for this long, the heap's free pages go back to the system (0: never).
        self.idle_trim_s = max(0.0, idle_trim_s)
        self.trims = 0
        self._busy = False
        self._queue: queue.Queue = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="policyqa-embed", daemon=True)
        self._worker.start()

    def __getattr__(self, name: str):
        """Anything else (build_batch_size, batch_invariant, model, ...) is the wrapped embedder's."""
        return getattr(self.inner, name)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.inner.encode_queries([])
        return self.submit_queries(texts).result()

    def submit_queries(self, texts: list[str]) -> _Request:
        """Queue ``texts`` and return at once (``Embedder.submit_queries``): the request thread analyses the
        question meanwhile and calls ``.result()`` when it needs the vectors."""
        request = _Request(list(texts))
        if not request.texts:
            request.vectors = self.inner.encode_queries([])
            request.done.set()
            return request
        self._queue.put(request)
        return request

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.inner.encode_passages(texts, batch_size=batch_size, progress=progress)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._worker.join(timeout=5)

    def _take(self) -> list[_Request] | None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_trim_s if self._busy and self.idle_trim_s else None)
                break
            except queue.Empty:  # idle after a burst: what the burst allocated is free now
                trim_heap()
                self.trims += 1
                self._busy = False
        self._busy = True
        if first is _STOP:
            return None
        taken, count = [first], len(first.texts)
        deadline = time.monotonic() + self.wait_s
        while count < self.max_batch:
            try:
                remaining = deadline - time.monotonic()
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)
                break
            taken.append(item)
            count += len(item.texts)
        return taken

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            groups = [taken] if self.batches else [[r] for r in taken]
            for group in groups:
                try:
                    texts = [t for r in group for t in r.texts]
                    self.batch_sizes.append(len(texts))
                    vectors = self.inner.encode_queries(texts)
                    row = 0
                    for r in group:
                        r.vectors = vectors[row : row + len(r.texts)]
                        row += len(r.texts)
                except Exception as exc:  # handed to the waiting request threads, which raise it
                    for r in group:
                        r.error = exc
                finally:
                    for r in group:
                        r.done.set()
