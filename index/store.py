"""The index on disk: one folder per build, a manifest with checksums, and an atomic switch.

Layout: ``<index_dir>/current`` is a symlink to ``builds/<id>``. A build is written completely into its own
folder, then ``current`` is replaced in one rename, so a crash, a full disk or a killed build never leaves a
half-written index in use: the previous one stays current.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.chunking import Chunk
from index.documents import DocMeta
from index.fileutil import file_sha256
from index.keyword_store import KeywordStore
from index.sentences import SentenceTable
from index.vector_store import FaissStore, VectorStore

SCHEMA_VERSION = 5  # 2: sentence vectors (sentences.jsonl, sentence_vectors.npy); 3: GPT4 = GPT-4 tokens;
# 4: chunks carry their page, documents their format and official-document metadata (number, date, draft)
# 5: and the manifest's model names its embedding backend (torch, onnx, onnx-int8)
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.json"
VECTORS = "vectors.npy"
CURRENT = "current"
BUILDS = "builds"


class IndexProblem(RuntimeError):
    """Base for index errors; the message is one line that says what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexDamaged(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexLocationError(IndexProblem):
    """The index folder cannot be used where it was asked for (a file is in the way)."""


T = TypeVar("T")
SWITCH_RETRIES = 3  # reads retried when a publish switched `current` (and removed the old build) meanwhile


@dataclass(frozen=True)
class DocRecord:
    name: str
    meta: DocMeta
    sha256: str
    clean_text: str
    format: str = "text"
    indexed: str = ""  # when this document's text was last embedded (ISO time)


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict
    chunks: list[Chunk]
    documents: dict[str, DocRecord]
    vectors: VectorStore
    keywords: KeywordStore
    embeddings: np.ndarray  # the passage vectors, row i = chunks[i]
    sentences: SentenceTable | None = None  # every sentence of every chunk with its vector


def chunk_to_json(c: Chunk, text_hash: str) -> str:
    return json.dumps(
        {
            "id": c.id,
            "doc": c.doc,
            "title": c.title,
            "section": list(c.section),
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "region": c.region,
            "page": c.page,
            "number": c.number,
            "hash": text_hash,
        },
        ensure_ascii=False,
    )


def chunk_from_json(line: str) -> tuple[Chunk, str]:
    d = json.loads(line)
    chunk = Chunk(
        id=d["id"],
        doc=d["doc"],
        title=d["title"],
        section=tuple(d["section"]),
        start=d["start"],
        end=d["end"],
        text=d["text"],
        region=d.get("region", ""),
        page=d.get("page"),
        number=d.get("number", ""),
    )
    return chunk, d["hash"]


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def check_index_dir(index_dir: Path) -> None:
    """Fail at once, before minutes of embedding, when the index folder or a folder above it is a file."""
    for path in (index_dir, *index_dir.parents):
        if path.is_symlink() and not path.exists():
            raise IndexLocationError(f"index folder {index_dir} cannot be used: {path} is a broken link")
        if path.exists():
            if not path.is_dir():
                raise IndexLocationError(
                    f"index folder {index_dir} cannot be used: {path} is a file; "
                    "choose another folder with --index or POLICYQA_INDEX_DIR"
                )
            return


def _unless_switched(index_dir: Path, read: Callable[[], T]) -> T:
    """``read()``, read again when it failed because a publish switched ``current`` while it was reading.

    A publish removes the previous build right after switching away from it, so a reader (another replica
    starting up) still on that build can find its files gone: that is not damage, and the new build is read
    instead. A failure with no switch meanwhile is raised as it is."""
    for attempt in range(SWITCH_RETRIES + 1):
        before = current_build(index_dir)
        try:
            return read()
        except IndexDamaged:
            if attempt == SWITCH_RETRIES or current_build(index_dir) == before:
                raise
    raise AssertionError("unreachable")


def new_build_folder(index_dir: Path, build_id: str) -> Path:
    folder = index_dir / BUILDS / f".incomplete-{build_id}"
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def publish(index_dir: Path, folder: Path) -> Path:
    """Make a fully written build current in one atomic rename, then drop older builds."""
    final = folder.with_name(folder.name.removeprefix(".incomplete-"))
    os.replace(folder, final)
    tmp_link = index_dir / f".{CURRENT}.tmp"
    try:
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        os.symlink(Path(BUILDS) / final.name, tmp_link)
        os.replace(tmp_link, index_dir / CURRENT)
    except BaseException:
        # The switch did not happen: the finished build must not linger as a second copy on a full disk.
        if current_build(index_dir) != final.resolve():
            shutil.rmtree(final, ignore_errors=True)
        raise
    _fsync_dir(index_dir)
    for old in (index_dir / BUILDS).iterdir():
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(index_dir: Path) -> tuple[Path, dict]:
    """(build folder, manifest) of the current build."""
    return _unless_switched(index_dir, lambda: _read_manifest(index_dir))


def _read_manifest(index_dir: Path) -> tuple[Path, dict]:
    build = current_build(index_dir)
    if build is None:
        raise IndexMissing(f"no index in {index_dir}; build it with `policyqa index`")
    path = build / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError covers bad JSON and bad UTF-8
        raise IndexDamaged(
            f"index manifest {path} is unreadable ({exc.__class__.__name__}); run `policyqa index --rebuild`"
        ) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
        raise IndexDamaged(f"index manifest {path} is not a valid manifest; run `policyqa index --rebuild`")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatch(
            f"index in {index_dir} has schema {manifest.get('schema_version')}, this version reads "
            f"{SCHEMA_VERSION}; run `policyqa index --rebuild`"
        )
    return build, manifest


def built_by_older_version(index_dir: Path) -> bool:
    """The current build's manifest is readable and has an older schema than this version writes."""
    build = current_build(index_dir)
    try:
        version = json.loads((build / MANIFEST).read_text(encoding="utf-8")).get("schema_version") if build else None
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(version, int) and version < SCHEMA_VERSION


def verify_files(build: Path, manifest: dict) -> None:
    for name, expected in manifest.get("files", {}).items():
        path = build / name
        if not isinstance(expected, dict) or "bytes" not in expected or "sha256" not in expected:
            raise IndexDamaged(f"index manifest in {build} lists {name} wrongly; run `policyqa index --rebuild`")
        if not path.is_file():
            raise IndexDamaged(f"index file {name} is missing from {build}; run `policyqa index --rebuild`")
        try:
            intact = path.stat().st_size == expected["bytes"] and file_sha256(path) == expected["sha256"]
        except OSError as exc:  # gone between the check above and the read (a publish removed the build)
            raise IndexDamaged(
                f"index file {name} in {build} could not be read ({exc.__class__.__name__}); "
                "run `policyqa index --rebuild`"
            ) from exc
        if not intact:
            raise IndexDamaged(
                f"index file {name} in {build} is damaged (checksum mismatch); run `policyqa index --rebuild`"
            )


def load_index(index_dir: Path, expect_model: tuple[str, str] | None = None) -> LoadedIndex:
    """Load and check the current build. ``expect_model`` is (model id, checksum) of the query model.

    A publish that switches ``current`` meanwhile is no error: the build it switched to is loaded."""
    return _unless_switched(index_dir, lambda: _load_index(index_dir, expect_model))


def _load_index(index_dir: Path, expect_model: tuple[str, str] | None) -> LoadedIndex:
    build, manifest = _read_manifest(index_dir)
    if expect_model is not None:
        model = manifest.get("model", {})
        if (model.get("id"), model.get("checksum")) != expect_model:
            raise IndexMismatch(
                f"index in {index_dir} was built with model {model.get('id')!r} (backend "
                f"{model.get('backend', 'torch')}, checksum {str(model.get('checksum'))[:12]}), but the configured "
                f"model is {expect_model[0]!r} (checksum {expect_model[1][:12]}); run `policyqa index --rebuild`, "
                "or set POLICYQA_EMBED_BACKEND / POLICYQA_MODEL to what built the index"
            )
    verify_files(build, manifest)
    try:
        chunks = [chunk_from_json(line)[0] for line in (build / CHUNKS).read_text(encoding="utf-8").splitlines()]
        docs_json = json.loads((build / DOCUMENTS).read_text(encoding="utf-8"))
        documents = {
            name: DocRecord(
                name, DocMeta(**d["meta"]), d["sha256"], d["clean_text"], d.get("format", "text"), d.get("indexed", "")
            )
            for name, d in docs_json.items()
        }
        embeddings = np.load(build / VECTORS, allow_pickle=False)
        store_info = manifest["vector_store"]
        if store_info["kind"] == "milvus":
            from index.milvus_store import MilvusStore

            vectors: VectorStore = MilvusStore.load(build, store_info)
        else:
            vectors = FaissStore.load(build, store_info["index_type"])
        keywords = KeywordStore.load(build, len(chunks))
        sentences = SentenceTable.load(build)
    except IndexProblem:
        raise
    except Exception as exc:
        raise IndexDamaged(
            f"index in {build} could not be read ({exc.__class__.__name__}: {exc}); run `policyqa index --rebuild`"
        ) from exc
    if len(chunks) != len(embeddings) or len(vectors) != len(chunks):
        raise IndexDamaged(f"index in {build} is inconsistent (row counts differ); run `policyqa index --rebuild`")
    if len(sentences) and int(sentences.rows.max()) >= len(chunks):
        raise IndexDamaged(f"index in {build} is inconsistent (sentence rows); run `policyqa index --rebuild`")
    return LoadedIndex(build, manifest, chunks, documents, vectors, keywords, embeddings, sentences)


def previous_vectors(index_dir: Path, model_checksum: str) -> dict[str, np.ndarray]:
    """Vectors of the current build by embedded-text hash, for reuse when the same model rebuilds."""
    try:
        build, manifest = read_manifest(index_dir)
        if manifest.get("model", {}).get("checksum") != model_checksum:
            return {}
        verify_files(build, manifest)
        hashes = [chunk_from_json(line)[1] for line in (build / CHUNKS).read_text(encoding="utf-8").splitlines()]
        vectors = np.load(build / VECTORS, allow_pickle=False)
    except (IndexProblem, OSError, ValueError, KeyError):
        return {}
    if len(hashes) != len(vectors):
        return {}
    found = dict(zip(hashes, vectors, strict=True))
    try:
        sentences = SentenceTable.load(build)
        found.update(zip(sentences.hashes, sentences.vectors, strict=True))
    except (OSError, ValueError, KeyError):
        pass
    return found


def previous_indexed(index_dir: Path) -> dict[tuple[str, str], str]:
    """(document name, sha256) -> when it was indexed, from the current build (empty when there is none)."""
    try:
        build, _ = read_manifest(index_dir)
        docs = json.loads((build / DOCUMENTS).read_text(encoding="utf-8"))
        return {(name, d["sha256"]): d["indexed"] for name, d in docs.items() if d.get("indexed")}
    except (IndexProblem, OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def list_documents(index_dir: Path) -> dict:
    """The current build's documents (file, title, issuer, number, date, year, draft, format, chunks, indexed)
    and skipped files, read from its manifest and documents.json without loading vectors or a model."""
    build, manifest = read_manifest(index_dir)
    try:
        docs = json.loads((build / DOCUMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"{build / DOCUMENTS} is unreadable; run `policyqa index --rebuild`") from exc
    counts = manifest.get("documents", {})
    rows = []
    for name, d in sorted(docs.items()):
        meta = d.get("meta", {})
        rows.append(
            {
                "file": name,
                "title": meta.get("title", ""),
                "issuer": meta.get("issuer", ""),
                "number": meta.get("number", ""),
                "date": meta.get("date", ""),
                "year": meta.get("year"),
                "draft": bool(meta.get("draft")),
                "format": d.get("format", "text"),
                "chunks": counts.get(name, {}).get("chunks", 0),
                "indexed": d.get("indexed", ""),
            }
        )
    return {"build": build.name, "documents": rows, "skipped": manifest.get("skipped", [])}
