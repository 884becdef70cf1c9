"""Progress bars write plain lines when their stream is not a terminal."""

from __future__ import annotations

import io

from index.progress import progress_bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_gets_whole_lines() -> None:
    log = io.StringIO()
    for _ in progress_bar(range(5), desc="eval test", unit="q", file=log, mininterval=0):
        pass
    text = log.getvalue()
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) >= 2 and all(line.startswith("eval test: ") for line in lines)
    assert "5/5" in lines[-1]


def test_a_terminal_keeps_the_live_bar() -> None:
    tty = _Terminal()
    for _ in progress_bar(range(3), desc="x", file=tty, mininterval=0):
        pass
    assert "\r" in tty.getvalue()


def test_disabled_writes_nothing() -> None:
    log = io.StringIO()
    bar = progress_bar(total=3, desc="x", file=log, disable=True)
    bar.update(3)
    bar.close()
    assert log.getvalue() == ""


def test_library_bars_are_off_in_a_log() -> None:
    from transformers.utils import logging as transformers_logging

    from index.progress import quiet_library_bars

    try:
        transformers_logging.enable_progress_bar()  # as it is before any model loads in a non-terminal run
        quiet_library_bars(_Terminal())
        assert transformers_logging.is_progress_bar_enabled()
        quiet_library_bars(io.StringIO())
        assert not transformers_logging.is_progress_bar_enabled()
    finally:
        transformers_logging.enable_progress_bar()
