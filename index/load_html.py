"""Web pages (.html/.htm) saved from a government site: trafilatura extracts the main text, without the site's
menus, footers and sidebars; bold lead-ins are kept as **…** for cleaning, tables as rows."""

from __future__ import annotations

import re

from index.loaders import LoadedText, Unreadable

_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ")
_MD_HEADING = re.compile(r"(?m)^#{1,6}\s+")
_ROW = re.compile(r"(?m)^\|\s*(.*?)\s*\|\s*$")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~|<>])")  # markdown escapes trafilatura adds to literal text
_RULE = re.compile(r"(?m)^\|?(?:\s*:?-{3,}:?\s*\|)+\s*$\n?")


def _tidy(text: str) -> str:
    """trafilatura's markdown-like output as plain lines: heading marks dropped, table rows as cells."""
    text = _RULE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _ROW.sub(lambda m: re.sub(r"\s*\|\s*", " | ", m.group(1)), text)
    return _ESCAPE.sub(r"\1", text)


class HtmlLoader:
    format = "html"
    suffixes = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes) -> bool:
        start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return any(start.startswith(m) for m in _MARKERS) or (b"<html" in start and b"<body" in head.lower())

    def load(self, data: bytes) -> LoadedText:
        import trafilatura

        try:
            text = trafilatura.extract(
                data,
                include_formatting=True,
                include_tables=True,
                include_comments=False,
                include_links=False,
                include_images=False,
                favor_recall=True,
                deduplicate=False,
            )
        except Exception as exc:  # lxml and trafilatura raise several kinds on broken markup
            raise Unreadable(f"web page could not be parsed ({exc.__class__.__name__})") from exc
        if not text or not text.strip():
            raise Unreadable("web page without a main text (only menus or scripts); save the article itself")
        return LoadedText(text=_tidy(text), format="html")
