"""Filters on the collection by what the documents say about themselves: issuing body and year."""

from __future__ import annotations

from collections.abc import Mapping

from index.store import DocRecord
from index.textnorm import fold_width, to_simplified
from qa.inputs import InputError

MAX_FILTER_CHARS = 60


def select_documents(
    documents: Mapping[str, DocRecord], *, issuer: str | None = None, year: int | None = None
) -> frozenset[str] | None:
    """Names of the documents issued by ``issuer`` (part of the body's name, simplified or traditional) in
    ``year`` (the year of issue, or the catalog's year); None when no filter is given. Raises InputError when
    the filter is too long or selects nothing."""
    if not issuer and year is None:
        return None
    wanted = ""
    if issuer:
        if len(issuer) > MAX_FILTER_CHARS:
            raise InputError(f"issuer filter longer than {MAX_FILTER_CHARS} characters")
        wanted = fold_width(to_simplified(issuer.strip()))
    chosen = frozenset(
        name
        for name, d in documents.items()
        if (not wanted or wanted in fold_width(to_simplified(d.meta.issuer)))
        and (year is None or d.meta.year == year or d.meta.date.startswith(f"{year:04d}-"))
    )
    if not chosen:
        what = " ".join(p for p in (f"issuer {issuer!r}" if issuer else "", f"year {year}" if year else "") if p)
        raise InputError(f"no document matches {what}; `policyqa docs` lists issuers and years")
    return chosen
