"""Milvus vector store (pymilvus ``MilvusClient``), behind the same interface as FaissStore.

Embedded by default: when ``settings.milvus_uri`` is empty, milvus-lite keeps the collection in ``milvus.db``
(a folder) inside the build folder, so it is written, checksummed, published and dropped with the build like
every other index file. With a cluster URI (``http://host:19530``) the vectors live on the server, in a
collection named per build; the manifest records the URI and collection, and nothing is written locally.

Vectors are L2-normalised, so the IP metric is cosine similarity (the same scores as FAISS ``IndexFlatIP``).
Ids are row numbers. Embedded uses the exact FLAT index; a cluster uses AUTOINDEX.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import weakref
from pathlib import Path

import numpy as np

MILVUS_DIR = "milvus.db"
COLLECTION = "policyqa_chunks"
MAX_LIMIT = 16_384  # Milvus caps top-k per query
INSERT_BATCH = 2_000
_SKIP_FILES = {"LOCK"}  # milvus-lite's lock file: empty, rewritten on open, not data


def _client(uri: str):
    from pymilvus import MilvusClient

    return MilvusClient(uri)


def _create_collection(client, collection: str, dim: int, index_type: str) -> None:
    from pymilvus import DataType

    if client.has_collection(collection):
        client.drop_collection(collection)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    params = client.prepare_index_params()
    params.add_index(field_name="vector", index_type=index_type, metric_type="IP")
    client.create_collection(collection, schema=schema, index_params=params, consistency_level="Strong")


class MilvusStore:
    kind = "milvus"

    def __init__(self, client, collection: str, n: int, index_type: str, uri: str, embedded: bool) -> None:
        self.client = client
        self.collection = collection
        self.n = n
        self.index_type = index_type
        self.uri = uri  # for embedded stores: where the working copy lives (a temp folder or the build folder)
        self.embedded = embedded
        self._finalizers: list[weakref.finalize] = []

    @property
    def manifest_extra(self) -> dict[str, object]:
        uri = MILVUS_DIR if self.embedded else self.uri
        return {"uri": uri, "collection": self.collection, "embedded": self.embedded, "metric": "IP"}

    @classmethod
    def build(cls, vectors: np.ndarray, settings, index_type: str | None = None) -> MilvusStore:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        embedded = not settings.milvus_uri
        if embedded:
            tmp = Path(tempfile.mkdtemp(prefix="policyqa-milvus-"))
            uri, collection = str(tmp / MILVUS_DIR), COLLECTION
        else:
            uri, collection = settings.milvus_uri, f"policyqa_{uuid.uuid4().hex[:12]}"
        index_type = (index_type or ("FLAT" if embedded else "AUTOINDEX")).upper()
        client = _client(uri)
        _create_collection(client, collection, dim, index_type)
        for start in range(0, n, INSERT_BATCH):
            rows = [{"id": start + i, "vector": v} for i, v in enumerate(vectors[start : start + INSERT_BATCH])]
            client.insert(collection, rows)
        client.flush(collection)
        client.load_collection(collection)
        store = cls(client, collection, n, index_type.lower(), uri, embedded)
        if embedded:
            store._finalizers.append(weakref.finalize(store, shutil.rmtree, tmp, True))
        return store

    @classmethod
    def load(cls, folder: Path, store_info: dict) -> MilvusStore:
        embedded = bool(store_info.get("embedded", not str(store_info.get("uri", "")).startswith(("http", "tcp"))))
        uri = str(folder / store_info.get("uri", MILVUS_DIR)) if embedded else store_info["uri"]
        collection = store_info.get("collection", COLLECTION)
        client = _client(uri)
        if not client.has_collection(collection):
            raise FileNotFoundError(f"Milvus collection {collection!r} not found at {uri}")
        client.load_collection(collection)
        n = int(client.get_collection_stats(collection)["row_count"])
        return cls(client, collection, n, str(store_info.get("index_type", "flat")), uri, embedded)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, queries.shape[-1])
        k = max(1, min(k, self.n, MAX_LIMIT))
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if self.n == 0 or len(queries) == 0:
            return scores, ids
        results = self.client.search(
            self.collection, data=list(queries), limit=k, output_fields=["id"], search_params={"metric_type": "IP"}
        )
        for row, hits in enumerate(results):
            for col, hit in enumerate(hits[:k]):
                ids[row, col] = int(hit["id"])
                scores[row, col] = float(hit["distance"])
        return scores, ids

    def save(self, folder: Path) -> list[str]:
        """Embedded: copy the collection folder into the build folder and list its files. Cluster: nothing."""
        if not self.embedded:
            return []
        target = Path(folder) / MILVUS_DIR
        self.client.close()  # flushes milvus-lite's files and releases its lock
        shutil.copytree(self.uri, target, ignore=shutil.ignore_patterns(*_SKIP_FILES))
        self.client = _client(self.uri)
        self.client.load_collection(self.collection)
        return sorted(str(p.relative_to(folder)) for p in target.rglob("*") if p.is_file())

    def close(self) -> None:
        self.client.close()

    def __len__(self) -> int:
        return self.n
