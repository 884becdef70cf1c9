"""A pipeline that follows the index on disk: when a build is published (by `policyqa index` from a shell, or by
the admin tab), the next question is answered from the new build, without a restart.

The switch is one reference assignment. A question takes the current pipeline once, at its start, and keeps it
to the end, so questions in flight finish on the index they started with (its data stays in memory for as long
as they hold it, even after the publish removed its files). The new pipeline is loaded in a background thread
while the old one goes on answering, so no question waits for a load, and a build that cannot be loaded leaves the
old one serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from index import store
from index.embedder import Embedder
from index.settings import Settings
from qa.pipeline import Pipeline

log = logging.getLogger("policyqa.qa")


class LivePipeline:
    """Answers like a :class:`Pipeline` (attributes are the current pipeline's) and swaps to new builds."""

    def __init__(self, pipeline: Pipeline, *, load: Callable[[Settings, Embedder], Pipeline] | None = None) -> None:
        self._current = pipeline
        self._load = load or (
            lambda settings, embedder: Pipeline(
                settings,
                embedder=embedder,
                index=store.load_index(settings.index_dir, (embedder.info.id, embedder.info.checksum)),
                tuning=pipeline.tuning,
                composer=pipeline.composer,
                progress=False,
            )
        )
        self._lock = threading.Lock()  # one load at a time
        self._failed: Path | None = None  # a build that could not be loaded is not retried in a loop
        self._loader: threading.Thread | None = None
        self.swaps = 0

    @property
    def current(self) -> Pipeline:
        """The pipeline to use for one whole question; starts loading a newer build when there is one."""
        self.refresh(wait=False)
        return self._current

    def _published(self) -> Path | None:
        return store.current_build(self._current.settings.index_dir)

    def refresh(self, *, wait: bool = True) -> bool:
        """Switch to the published build if it is newer; with ``wait`` load it now, else in the background.

        Returns whether the pipeline now serves the published build."""
        published = self._published()
        if published is None or published == self._current.index.path or published == self._failed:
            return published == self._current.index.path
        if wait:
            with self._lock:
                self._swap_to(published)
            return self._current.index.path == published
        if self._lock.acquire(blocking=False):
            self._loader = threading.Thread(target=self._load_in_background, args=(published,), daemon=True)
            self._loader.start()
        return False

    def _load_in_background(self, published: Path) -> None:
        try:
            self._swap_to(published)
        finally:
            self._lock.release()

    def _swap_to(self, published: Path) -> None:
        if published == self._current.index.path:
            return
        old = self._current
        try:
            new = self._load(old.settings, old.embedder)
        except (store.IndexProblem, OSError, ValueError) as exc:
            self._failed = published
            log.warning("new index %s not loaded, still answering from %s: %s", published, old.index.path, exc)
            return
        new.warm_dictionaries()  # built here, in the background, not by the first question after the switch
        self._current = new  # the switch: one assignment; questions in flight keep ``old``
        self._failed = None
        self.swaps += 1
        log.warning("switched to index build %s (%d documents)", new.index.path.name, len(new.index.documents))

    def answer(self, *args, **kwargs):
        return self.current.answer(*args, **kwargs)

    def __getattr__(self, name: str):
        # Everything else (settings, documents, regions, index, retrieve, ...) is the current pipeline's.
        return getattr(self.current, name)
