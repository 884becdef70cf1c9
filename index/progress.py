"""Progress bars that suit where they are written: a live tqdm bar on a terminal, plain lines in a log.

tqdm redraws its bar with carriage returns, which a log file or CI output keeps as one enormous line. When
stderr is not a terminal the same bar writes a whole line (no "\\r") at most every ``LOG_INTERVAL_S`` seconds.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")
LOG_INTERVAL_S = 10.0
LINE_FORMAT = "{desc}: {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}]"


class _Lines:
    """A stream for tqdm that turns each redraw ("\\r" + status) into one line of its own."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        status = text.replace("\r", "").strip()
        if status:
            self.stream.write(status + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(iterable: Iterable[T] | None = None, **options: Any) -> tqdm:
    """``tqdm(iterable, **options)`` on stderr; plain lines every few seconds when stderr is not a terminal."""
    stream = options.pop("file", sys.stderr)
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return tqdm(iterable, file=stream, **options)
    options.setdefault("mininterval", LOG_INTERVAL_S)
    options.setdefault("bar_format", LINE_FORMAT)
    return tqdm(iterable, file=_Lines(stream), **options)


def quiet_library_bars(stream: TextIO | None = None) -> None:
    """Turn off transformers' own bars ("Loading weights") when ``stream`` (stderr) is not a terminal: they
    redraw with carriage returns and cannot be given our line writer."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    if not (callable(isatty) and isatty()):
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
