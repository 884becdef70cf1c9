"""Vector stores: FAISS (default) and Milvus, behind one small interface.

Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

FAISS_FILE = "faiss.index"
# Corpus sizes at which "auto" moves to an approximate index (see bench/README for the measurements).
HNSW_FROM = 300_000  # flat stays under ~45 ms per query up to here, exact
IVFPQ_FROM = 5_000_000  # IVF-PQ (no re-ranking) recalled 0.40@10; only when HNSW's memory is the limit


class VectorStore(Protocol):
    kind: str
    index_type: str

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row ids), each of shape (len(queries), k); missing results have id -1."""
        ...

    def save(self, folder: Path) -> list[str]:
        """Write into folder; return the file names written."""
        ...

    def __len__(self) -> int: ...


def choose_index_type(n_vectors: int, requested: str = "auto") -> str:
    if requested != "auto":
        if requested not in {"flat", "hnsw", "ivf", "ivfpq"}:
            raise ValueError(f"unknown FAISS index type {requested!r} (auto, flat, hnsw, ivf, ivfpq)")
        return requested
    if n_vectors < HNSW_FROM:
        return "flat"
    if n_vectors < IVFPQ_FROM:
        return "hnsw"
    return "ivfpq"


def _nlist(n: int) -> int:
    return max(1, min(int(4 * np.sqrt(n)), n // 39 or 1))


def build_faiss_index(vectors: np.ndarray, index_type: str) -> faiss.Index:
    n, dim = vectors.shape
    ip = faiss.METRIC_INNER_PRODUCT
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, ip)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 96
    elif index_type in {"ivf", "ivfpq"}:
        quantizer = faiss.IndexFlatIP(dim)
        nlist = _nlist(n)
        if index_type == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
        else:
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, 48, 8, ip)
        sample = vectors if n <= 200_000 else vectors[np.random.default_rng(0).choice(n, 200_000, replace=False)]
        index.train(sample)
        index.nprobe = min(nlist, 24)
    else:
        raise ValueError(f"unknown FAISS index type {index_type!r}")
    if n:
        index.add(vectors)
    return index


class FaissStore:
    kind = "faiss"

    def __init__(self, index: faiss.Index, index_type: str) -> None:
        self.index = index
        self.index_type = index_type

    @classmethod
    def build(cls, vectors: np.ndarray, requested: str = "auto") -> FaissStore:
        index_type = choose_index_type(len(vectors), requested)
        return cls(build_faiss_index(np.ascontiguousarray(vectors, dtype=np.float32), index_type), index_type)

    @classmethod
    def load(cls, folder: Path, index_type: str) -> FaissStore:
        # Serving answers one query at a time; OpenMP threads made single queries ~30x slower on busy cores.
        faiss.omp_set_num_threads(1)
        index = faiss.read_index(str(folder / FAISS_FILE))
        return cls(index, index_type)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, min(k, self.index.ntotal))
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def save(self, folder: Path) -> list[str]:
        faiss.write_index(self.index, str(folder / FAISS_FILE))
        return [FAISS_FILE]

    def __len__(self) -> int:
        return int(self.index.ntotal)
