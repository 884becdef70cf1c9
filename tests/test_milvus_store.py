"""MilvusStore: same neighbours as FAISS flat on the seeds' vectors; embedded milvus-lite inside the build folder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from index.milvus_store import MILVUS_DIR, MilvusStore
from index.settings import REPO_ROOT
from index.vector_store import FaissStore

if str(REPO_ROOT) not in sys.path:  # bench/ is not an installed package (pyproject lists index, qa, ui, eval)
    sys.path.insert(0, str(REPO_ROOT))
from bench.common import dev_questions, smoke_settings


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip the server-backed tests, with the exact error, when milvus-lite cannot start here."""
    try:
        from pymilvus import MilvusClient

        client = MilvusClient(str(tmp_path_factory.mktemp("lite") / MILVUS_DIR))
        client.list_collections()
        client.close()
    except Exception as exc:
        pytest.skip(f"milvus-lite cannot run on this machine: {exc.__class__.__name__}: {exc}")


class FakeClient:
    """Stands in for MilvusClient: returns fixed hits, records the limit asked for."""

    def __init__(self, hits: list[list[dict]]) -> None:
        self.hits = hits
        self.limits: list[int] = []

    def search(self, collection: str, data: list, limit: int, **kwargs: object) -> list[list[dict]]:
        self.limits.append(limit)
        return self.hits[: len(data)]


def test_search_pads_missing_results_and_caps_k() -> None:
    client = FakeClient([[{"id": 2, "distance": 0.9}, {"id": 0, "distance": 0.5}]])
    store = MilvusStore(client, "c", n=3, index_type="flat", uri="x", embedded=True)
    scores, ids = store.search(np.ones((1, 4), np.float32), 10)
    assert client.limits == [3]  # never more than the collection holds
    assert ids.tolist() == [[2, 0, -1]]
    assert scores[0, :2].tolist() == pytest.approx([0.9, 0.5])
    assert np.isneginf(scores[0, 2])
    assert len(store) == 3


def test_manifest_extra_records_where_the_vectors_live() -> None:
    embedded = MilvusStore(None, "policyqa_chunks", 0, "flat", "/tmp/x/milvus.db", embedded=True)
    assert embedded.manifest_extra["uri"] == MILVUS_DIR  # relative: the build folder moves when published
    cluster = MilvusStore(None, "policyqa_abc", 0, "autoindex", "http://milvus:19530", embedded=False)
    assert cluster.manifest_extra == {
        "uri": "http://milvus:19530",
        "collection": "policyqa_abc",
        "embedded": False,
        "metric": "IP",
    }
    assert cluster.save(Path("/nonexistent")) == []  # nothing is written locally for a cluster


def _same_top10(a_ids, a_scores, b_ids, b_scores, tol: float = 1e-4) -> None:
    """Same top-10, allowing order swaps and boundary changes among near-equal scores."""
    for q in range(len(a_ids)):
        assert np.allclose(a_scores[q], b_scores[q], atol=tol), q
        cutoff = b_scores[q][-1] + tol
        must = {int(i) for i, s in zip(b_ids[q], b_scores[q], strict=True) if s > cutoff}
        assert must <= set(a_ids[q].tolist()), q


def test_same_top10_as_faiss_flat_on_dev_questions(lite, pipeline, embedder, tmp_path: Path) -> None:
    vectors = pipeline.index.embeddings
    queries = embedder.encode_queries(dev_questions())
    settings = pipeline.settings.replace(vector_store="milvus", milvus_uri="")
    milvus = MilvusStore.build(vectors, settings)
    faiss_scores, faiss_ids = FaissStore.build(vectors, "flat").search(queries, 10)
    m_scores, m_ids = milvus.search(queries, 10)
    _same_top10(m_ids, m_scores, faiss_ids, faiss_scores)
    # Saved into a build folder and loaded back: still the same neighbours.
    files = milvus.save(tmp_path)
    assert files and all((tmp_path / f).is_file() for f in files)
    loaded = MilvusStore.load(tmp_path, {**milvus.manifest_extra, "index_type": milvus.index_type})
    assert len(loaded) == len(vectors)
    l_scores, l_ids = loaded.search(queries, 10)
    _same_top10(l_ids, l_scores, faiss_ids, faiss_scores)
    loaded.close()
    milvus.close()


def test_builder_and_loader_use_milvus_when_configured(lite, embedder, tmp_path: Path) -> None:
    from index import store
    from index.builder import build_index

    settings = smoke_settings(tmp_path).replace(vector_store="milvus")
    report = build_index(settings, embedder, progress=False)
    loaded = store.load_index(settings.index_dir, (embedder.info.id, embedder.info.checksum))
    assert loaded.manifest["vector_store"]["kind"] == "milvus"
    assert loaded.manifest["vector_store"]["uri"] == MILVUS_DIR
    assert any(name.startswith(MILVUS_DIR + "/") for name in loaded.manifest["files"])
    assert len(loaded.vectors) == report.chunks
    query = embedder.encode_queries(["知识产权特色小镇"])
    expected = FaissStore.build(loaded.embeddings, "flat").search(query, 5)
    got = loaded.vectors.search(query, 5)
    assert got[1].tolist() == expected[1].tolist()
    # A second load (as at the next start) still passes the checksums: opening milvus-lite does not alter the files.
    again = store.load_index(settings.index_dir, (embedder.info.id, embedder.info.checksum))
    assert len(again.vectors) == report.chunks
    loaded.vectors.close()
    again.vectors.close()
