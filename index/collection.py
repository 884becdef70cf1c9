"""Managing the collection: add a document (checked by its content, stored under a safe name inside the seeds
folder, written atomically), remove one, and update the index incrementally. One lock (a file beside the index)
serialises every change and build, so two admins, or an admin and `policyqa index`, cannot interleave."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from filelock import FileLock, Timeout

from index.documents import MAX_DOC_BYTES, candidate_files, load_catalog_entries, read_document
from index.loaders import Unreadable
from index.settings import Settings

MAX_NAME_CHARS = 80
LOCK_WAIT_S = 600  # a build of a large collection on 2 cores takes minutes; longer than this is a stuck lock
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_FORMAT_SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}


class CollectionError(ValueError):
    """An upload or removal that is refused; the message says why."""


@dataclass(frozen=True)
class Added:
    name: str
    title: str
    format: str
    replaced: bool  # a document of that name was there before


def lock_path(settings: Settings) -> Path:
    return settings.index_dir.parent / f".{settings.index_dir.name}.lock"


@contextmanager
def collection_lock(settings: Settings, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Held while the seeds folder is changed and the index rebuilt (by the admin tab and `policyqa index`)."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path), timeout=wait_s):
            yield
    except Timeout as exc:
        raise CollectionError(f"another update of the collection is still running (lock {path})") from exc


def safe_name(name: str, fmt: str) -> str:
    """A file name that stays inside the seeds folder: the last path part only, no control or reserved
    characters, not hidden, bounded, with the suffix of the format the content has."""
    base = PurePath(name.replace("\\", "/")).name
    stem = unicodedata.normalize("NFC", PurePath(base).stem)
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:MAX_NAME_CHARS] or f"document-{uuid.uuid4().hex[:8]}"
    return stem + _FORMAT_SUFFIX.get(fmt, ".txt")


def add_document(settings: Settings, name: str, data: bytes, limit: int = MAX_DOC_BYTES) -> Added:
    """Check ``data`` (its size, then its content: it must load as a document) and store it atomically in the
    seeds folder. Call under :func:`collection_lock`. Raises CollectionError with the reason."""
    if len(data) > limit:
        raise CollectionError(f"file larger than {limit:,} bytes")
    folder = settings.seeds_dir
    if not folder.is_dir():
        raise CollectionError(f"seeds folder not found: {folder}")
    try:
        doc = read_document(name, data, None)  # by content: a mislabelled file is stored under its real type
    except Unreadable as exc:
        raise CollectionError(f"{PurePath(name).name}: {exc}") from exc
    final = safe_name(name, doc.format)
    target = folder / final
    if not target.resolve().parent == folder.resolve():  # never reached with safe_name; a last guard
        raise CollectionError("file name outside the seeds folder")
    catalog, _ = load_catalog_entries(folder)
    replaced = target.exists()
    tmp = folder / f".upload-{uuid.uuid4().hex}.tmp"  # hidden: never read as a document
    try:
        with tmp.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    title = str(catalog.get(final, {}).get("title") or doc.meta.title)
    return Added(final, title, doc.format, replaced)


def remove_document(settings: Settings, name: str) -> None:
    """Remove one document of the seeds folder, named exactly as `policyqa docs` lists it."""
    matches = [p for p in candidate_files(settings.seeds_dir) if p.name == name]
    if not matches:
        raise CollectionError(f"no document named {name!r} in the seeds folder")
    matches[0].unlink()
