"""Build the index: seeds -> clean -> structure -> chunks -> embeddings -> FAISS + BM25, saved atomically."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import store
from index.chunking import Chunk, ChunkingParams, chunk_document
from index.documents import candidate_files, read_seeds
from index.embedder import Embedder
from index.keyword_store import KeywordStore
from index.progress import progress_bar
from index.sentences import SentenceTable, sentence_spans
from index.settings import Settings
from index.vector_store import FaissStore, VectorStore


@dataclass(frozen=True)
class BuildReport:
    documents: int
    chunks: int
    dimension: int
    seconds: float
    embedded: int  # passages embedded in this build
    reused: int  # passages whose vectors came from the previous build
    skipped: list[tuple[str, str]]
    path: Path
    index_type: str

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} file(s) skipped" if self.skipped else ""
        return (
            f"indexed {self.documents} documents, {self.chunks} chunks, dim {self.dimension}, "
            f"{self.seconds:.1f} s ({self.embedded} embedded, {self.reused} reused, {self.index_type}){skipped}"
        )


def text_hash(model_checksum: str, text: str) -> str:
    return hashlib.sha256(f"{model_checksum}\n{text}".encode()).hexdigest()


def chunking_params(settings: Settings) -> ChunkingParams:
    return ChunkingParams(method=settings.chunking, size=settings.chunk_size, overlap=settings.chunk_overlap)


def _embed(
    embedder: Embedder,
    texts: list[str],
    batch: int,
    progress: bool,
    what: str = "passages",
    unit: str = "chunk",
    workers: int = 1,
) -> np.ndarray:
    """Vectors of ``texts`` (row i = texts[i]), embedded shortest first so that each batch pads little.

    With ``workers`` > 1, that many threads take every workers-th batch: onnxruntime releases the GIL while it
    runs, so one-thread calls side by side keep every core busy (the model's own intra-op threads do not, on
    inputs this small)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.info.dimension), np.float32)
    bar = progress_bar(total=len(texts), desc=f"embedding {what}", unit=unit, disable=not progress)
    starts = list(range(0, len(order), batch))

    def run(share: list[int]) -> None:
        for i in share:
            rows = order[i : i + batch]
            out[rows] = embedder.encode_passages([texts[r] for r in rows], batch_size=batch)
            bar.update(len(rows))  # the bar shows the rate, chunks/s

    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="policyqa-embed") as pool:
            list(pool.map(run, [starts[k::workers] for k in range(workers)]))  # list(): re-raises a failure
    else:
        run(starts)
    bar.close()
    return out


def _vector_store(settings: Settings, vectors: np.ndarray, chunks: list[Chunk]) -> VectorStore:
    if settings.vector_store == "milvus":
        from index.milvus_store import MilvusStore

        return MilvusStore.build(vectors, settings)
    if settings.vector_store != "faiss":
        raise ValueError(f"unknown vector store {settings.vector_store!r} (faiss or milvus)")
    return FaissStore.build(vectors, settings.faiss_index)


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    rebuild: bool = False,
    progress: bool = True,
    workers: int = 1,
) -> BuildReport:
    started = time.perf_counter()
    store.check_index_dir(settings.index_dir)  # now, not after the embedding
    scan = read_seeds(settings.seeds_dir, allow_symlinks=settings.allow_seed_symlinks)
    if not scan.documents:
        raise RuntimeError(f"no readable documents in {settings.seeds_dir}")
    params = chunking_params(settings)
    chunks = [
        c
        for doc in progress_bar(scan.documents, desc="chunking", unit="doc", disable=not progress)
        for c in chunk_document(doc, params)
    ]
    embedder = embedder or Embedder(settings)
    info = embedder.info
    texts = [c.context_text for c in chunks]
    hashes = [text_hash(info.checksum, t) for t in texts]
    cache = {} if rebuild else store.previous_vectors(settings.index_dir, info.checksum)
    indexed = {} if rebuild else store.previous_indexed(settings.index_dir)
    missing = [i for i, h in enumerate(hashes) if h not in cache]
    batch = settings.embed_batch_size or embedder.build_batch_size
    fresh = _embed(embedder, [texts[i] for i in missing], batch, progress, workers=workers)
    vectors = np.zeros((len(chunks), info.dimension), dtype=np.float32)
    for row, i in enumerate(missing):
        vectors[i] = fresh[row]
    for i, h in enumerate(hashes):
        if h in cache:
            vectors[i] = cache[h]
    sentences = _sentence_table(chunks, embedder, cache, batch, progress, workers)

    vector_store = _vector_store(settings, vectors, chunks)
    keywords = KeywordStore.build(texts)

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    folder = store.new_build_folder(settings.index_dir, build_id)
    try:
        written = _write_build(folder, scan, chunks, hashes, vectors, vector_store, keywords, indexed)
        written += sentences.save(folder)
        manifest = {
            "schema_version": store.SCHEMA_VERSION,
            "build_id": build_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "model": {"id": info.id, "checksum": info.checksum, "dimension": info.dimension, "backend": info.backend},
            "chunking": dataclasses.asdict(params),
            "vector_store": {
                "kind": vector_store.kind,
                "index_type": vector_store.index_type,
                **getattr(vector_store, "manifest_extra", {}),
            },
            "documents": {
                d.name: {"sha256": d.sha256, "title": d.meta.title, "chunks": sum(c.doc == d.name for c in chunks)}
                for d in scan.documents
            },
            "skipped": [{"file": n, "reason": r} for n, r in scan.skipped],
            "seeds_dir": str(settings.seeds_dir.resolve()),
            "counts": {"documents": len(scan.documents), "chunks": len(chunks), "sentences": len(sentences)},
            "files": {
                name: {"bytes": (folder / name).stat().st_size, "sha256": store.file_sha256(folder / name)}
                for name in written
            },
        }
        _write_json(folder / store.MANIFEST, manifest)
        final = store.publish(settings.index_dir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return BuildReport(
        documents=len(scan.documents),
        chunks=len(chunks),
        dimension=info.dimension,
        seconds=time.perf_counter() - started,
        embedded=len(missing),
        reused=len(chunks) - len(missing),
        skipped=scan.skipped,
        path=final,
        index_type=vector_store.index_type,
    )


def _sentence_table(
    chunks: list[Chunk],
    embedder: Embedder,
    cache: dict[str, np.ndarray],
    batch: int,
    progress: bool,
    workers: int = 1,
) -> SentenceTable:
    """Every sentence of every chunk with its vector (reused from the previous build when unchanged)."""
    checksum, dim = embedder.info.checksum, embedder.info.dimension
    spans = [(row, s, e) for row, c in enumerate(chunks) for s, e in sentence_spans(c.text)]
    texts = [chunks[r].text[s:e] for r, s, e in spans]
    hashes = [text_hash(checksum, f"sentence\n{t}") for t in texts]
    missing = [i for i, h in enumerate(hashes) if h not in cache]
    fresh = _embed(embedder, [texts[i] for i in missing], batch, progress, "sentences", "sentence", workers)
    vectors = np.zeros((len(spans), dim), dtype=np.float32)
    for row, i in enumerate(missing):
        vectors[i] = fresh[row]
    for i, h in enumerate(hashes):
        if h in cache:
            vectors[i] = cache[h]
    as_int = np.asarray
    return SentenceTable(
        as_int([r for r, _, _ in spans], np.int32),
        as_int([s for _, s, _ in spans], np.int32),
        as_int([e for _, _, e in spans], np.int32),
        tuple(hashes),
        vectors,
    )


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_build(folder, scan, chunks, hashes, vectors, vector_store, keywords, indexed) -> list[str]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    (folder / store.CHUNKS).write_text(
        "\n".join(store.chunk_to_json(c, h) for c, h in zip(chunks, hashes, strict=True)) + "\n", encoding="utf-8"
    )
    _write_json(
        folder / store.DOCUMENTS,
        {
            d.name: {
                "meta": dataclasses.asdict(d.meta),
                "sha256": d.sha256,
                "clean_text": d.clean.text,
                "format": d.format,
                "indexed": indexed.get((d.name, d.sha256), now),  # unchanged documents keep their time
            }
            for d in scan.documents
        },
    )
    np.save(folder / store.VECTORS, vectors, allow_pickle=False)
    written = [store.CHUNKS, store.DOCUMENTS, store.VECTORS]
    written += vector_store.save(folder)
    written += keywords.save(folder)
    return written


def seeds_changed(settings: Settings, manifest: dict) -> list[str]:
    """Names of documents added, removed or edited since the index was built."""
    scan_hashes = {}
    for path in candidate_files(settings.seeds_dir) if settings.seeds_dir.is_dir() else []:
        if path.is_file():
            try:
                scan_hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                continue
    skipped = {s["file"] for s in manifest.get("skipped", [])}
    built = {name: d["sha256"] for name, d in manifest.get("documents", {}).items()}
    changed = [n for n, h in scan_hashes.items() if built.get(n) != h and n not in skipped]
    changed += [n for n in built if n not in scan_hashes]
    if str(settings.seeds_dir.resolve()) != manifest.get("seeds_dir"):
        changed.append("(seeds folder moved)")
    return sorted(set(changed))


def ensure_index(settings: Settings, embedder: Embedder, *, progress: bool = True) -> store.LoadedIndex:
    """Load the index, building it on first use and updating it when seeds changed.

    A damaged index is an error (never silently rebuilt), so a person notices and decides.
    """
    expect = (embedder.info.id, embedder.info.checksum)
    try:
        _, manifest = store.read_manifest(settings.index_dir)
    except store.IndexMissing:
        print(f"[policyqa] no index in {settings.index_dir}; building it", file=sys.stderr)
        print("[policyqa] " + build_index(settings, embedder, progress=progress).summary(), file=sys.stderr)
        return store.load_index(settings.index_dir, expect)
    except store.IndexMismatch:
        if not store.built_by_older_version(settings.index_dir):
            raise
        # An upgrade, not damage: the new version needs what the old one did not store.
        print(f"[policyqa] the index in {settings.index_dir} is from an older version; rebuilding it", file=sys.stderr)
        print("[policyqa] " + build_index(settings, embedder, progress=progress).summary(), file=sys.stderr)
        return store.load_index(settings.index_dir, expect)
    changed = seeds_changed(settings, manifest)
    same_chunking = manifest.get("chunking") == dataclasses.asdict(chunking_params(settings))
    if changed or not same_chunking:
        what = ", ".join(changed) if changed else "chunking settings"
        print(f"[policyqa] seeds changed ({what}); updating the index", file=sys.stderr)
        store.load_index(settings.index_dir, expect)  # a damaged or mismatched index stops here
        print("[policyqa] " + build_index(settings, embedder, progress=progress).summary(), file=sys.stderr)
    return store.load_index(settings.index_dir, expect)
