"""The index on disk: round trip, model mismatch, damaged files, incremental rebuilds, change detection.

One small index (two seed documents) is built per module; tests that change it work on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.builder import build_index, seeds_changed, text_hash
from index.chunking import ChunkingParams, chunk_document
from index.documents import read_seeds
from index.keyword_store import BM25_DIR, KeywordStore
from index.settings import REPO_ROOT
from index.store import IndexDamaged, IndexMismatch, IndexMissing, load_index
from index.textnorm import search_tokens

SEEDS = REPO_ROOT / "seeds"
DOCS = ["000_888cab3c03a9d4df.txt", "003_0162c2ce5302660f.txt"]
QUESTIONS = ["香港的研发开支税务扣减是多少？", "东丽区每万人口高价值发明专利拥有量目标", "知识产权质押融资"]


def make_seeds(folder: Path, names=DOCS, catalog: bool = True) -> Path:
    """Seed 000 whole and the first 31 lines of 003 (through its 发展目标), to keep embedding short."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        data = (SEEDS / name).read_bytes()
        if name.startswith("003"):
            data = b"\n".join(data.split(b"\n")[:31]) + b"\n"
        (folder / name).write_bytes(data)
    if catalog:
        (folder / "catalog.toml").write_bytes((SEEDS / "catalog.toml").read_bytes())
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory, settings, embedder):
    """(settings, report) of an index built from two seed documents."""
    root = tmp_path_factory.mktemp("small")
    s = settings.replace(seeds_dir=make_seeds(root / "seeds"), index_dir=root / "index")
    report = build_index(s, embedder, progress=False)
    return s, report


@pytest.fixture()
def index_copy(small, tmp_path) -> Path:
    """A private copy of the small index folder (the `current` link is relative, so it survives)."""
    target = tmp_path / "index"
    shutil.copytree(small[0].index_dir, target, symlinks=True)
    return target


def expected_chunks(folder: Path):
    return [c for d in read_seeds(folder).documents for c in chunk_document(d, ChunkingParams())]


def expect_of(embedder):
    return (embedder.info.id, embedder.info.checksum)


def one_line(exc: BaseException) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    return msg


# --- round trip -------------------------------------------------------------------------------------


def test_build_report(small):
    s, report = small
    chunks = expected_chunks(s.seeds_dir)
    assert report.documents == 2
    assert report.chunks == len(chunks)
    assert report.embedded == len(chunks) and report.reused == 0
    assert report.dimension == 384
    assert report.skipped == []
    assert report.path == (s.index_dir / store.CURRENT).resolve()
    assert not any(p.name.startswith(".incomplete-") for p in (s.index_dir / store.BUILDS).iterdir())
    assert "2 documents" in report.summary()


def test_round_trip_same_chunks(small, embedder):
    s, _ = small
    loaded = load_index(s.index_dir, expect_of(embedder))
    assert loaded.chunks == expected_chunks(s.seeds_dir)
    assert set(loaded.documents) == set(DOCS)
    rec = loaded.documents[DOCS[0]]
    assert rec.meta.title == "香港便览：创新及科技"
    assert rec.clean_text == read_seeds(s.seeds_dir).documents[0].clean.text
    assert loaded.manifest["model"]["id"] == embedder.info.id
    assert loaded.manifest["model"]["backend"] == embedder.info.backend  # which backend built the vectors
    counts = {"documents": 2, "chunks": len(loaded.chunks), "sentences": len(loaded.sentences)}
    assert loaded.manifest["counts"] == counts
    assert len(loaded.sentences) > len(loaded.chunks)  # every sentence of every chunk has its vector
    row, start, end = int(loaded.sentences.rows[0]), int(loaded.sentences.starts[0]), int(loaded.sentences.ends[0])
    assert loaded.chunks[row].text[start:end].strip()


def test_round_trip_same_vectors_and_search(small, embedder):
    s, _ = small
    loaded = load_index(s.index_dir, expect_of(embedder))
    sample = list(range(0, len(loaded.chunks), 9))
    fresh = embedder.encode_passages([loaded.chunks[i].context_text for i in sample])
    if embedder.batch_invariant:
        np.testing.assert_allclose(loaded.embeddings[sample], fresh, atol=1e-5)
    else:  # dynamic int8 scales activations per batch: the same text in other company differs slightly
        assert np.sum(loaded.embeddings[sample] * fresh, axis=1).min() > 0.995
    np.testing.assert_allclose(np.linalg.norm(loaded.embeddings, axis=1), 1.0, atol=1e-4)
    again = load_index(s.index_dir, expect_of(embedder))
    fresh_bm25 = KeywordStore.build([c.context_text for c in loaded.chunks])
    for question in QUESTIONS:
        q = embedder.encode_queries([question])
        scores, ids = loaded.vectors.search(q, 5)
        scores2, ids2 = again.vectors.search(q, 5)
        assert ids.tolist() == ids2.tolist()
        exact = np.argsort(-(loaded.embeddings @ q.T).ravel(), kind="stable")[:5]
        assert ids[0].tolist() == exact.tolist()
        np.testing.assert_allclose(scores, scores2)
        tokens = search_tokens(question)
        np.testing.assert_allclose(loaded.keywords.scores(tokens), fresh_bm25.scores(tokens), rtol=1e-5)
    q = embedder.encode_queries([QUESTIONS[0]])
    _, ids = loaded.vectors.search(q, 1)
    assert "300%税务扣减" in loaded.chunks[ids[0][0]].text


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissing) as err:
        load_index(tmp_path / "nothing-here")
    assert "policyqa index" in one_line(err.value)


# --- model mismatch ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["id", "checksum"])
def test_model_mismatch(small, embedder, change):
    s, _ = small
    model_id, checksum = expect_of(embedder)
    other = ("sentence-transformers/other-model", checksum) if change == "id" else (model_id, "0" * 64)
    with pytest.raises(IndexMismatch) as err:
        load_index(s.index_dir, other)
    msg = one_line(err.value)
    assert "policyqa index --rebuild" in msg
    assert (other[0] in msg) if change == "id" else ("000000000000" in msg)
    assert f"backend {embedder.info.backend}" in msg and "POLICYQA_EMBED_BACKEND" in msg


def test_schema_mismatch(index_copy, embedder):
    build = (index_copy / store.CURRENT).resolve()
    manifest = json.loads((build / store.MANIFEST).read_text())
    manifest["schema_version"] = 999
    (build / store.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch) as err:
        load_index(index_copy, expect_of(embedder))
    assert "policyqa index --rebuild" in one_line(err.value)


# --- damaged files ----------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 3
    data[i] = (data[i] + 1) % 256 if data[i] != ord("\n") else ord("x")
    path.write_bytes(bytes(data))


def _delete_bm25_file(build: Path) -> None:
    files = sorted((build / BM25_DIR).iterdir())
    assert files
    files[0].unlink()


DAMAGE = {
    "truncate-faiss": lambda b: _truncate(b / "faiss.index"),
    "empty-faiss": lambda b: (b / "faiss.index").write_bytes(b""),
    "corrupt-chunks": lambda b: _flip_byte(b / store.CHUNKS),
    "delete-chunks": lambda b: (b / store.CHUNKS).unlink(),
    "truncate-vectors": lambda b: _truncate(b / store.VECTORS),
    "corrupt-documents": lambda b: _flip_byte(b / store.DOCUMENTS),
    "delete-bm25-file": _delete_bm25_file,
    "delete-bm25-dir": lambda b: shutil.rmtree(b / BM25_DIR),
    "garbage-manifest": lambda b: (b / store.MANIFEST).write_bytes(b"\x00\xffnot json{"),
    "empty-manifest": lambda b: (b / store.MANIFEST).write_text(""),
    "delete-manifest": lambda b: (b / store.MANIFEST).unlink(),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_files(index_copy, embedder, damage):
    build = (index_copy / store.CURRENT).resolve()
    DAMAGE[damage](build)
    with pytest.raises(IndexDamaged) as err:
        load_index(index_copy, expect_of(embedder))
    msg = one_line(err.value)
    assert "policyqa index --rebuild" in msg


@pytest.mark.parametrize("content", ["[]", "null", '"index"', "42"])
def test_manifest_valid_json_but_not_an_object(index_copy, embedder, content):
    """A manifest that parses as JSON but is not an object is damage too, not an AttributeError."""
    build = (index_copy / store.CURRENT).resolve()
    (build / store.MANIFEST).write_text(content)
    with pytest.raises(IndexDamaged) as err:
        load_index(index_copy, expect_of(embedder))
    assert "policyqa index --rebuild" in one_line(err.value)


def test_dangling_current_link(index_copy):
    shutil.rmtree((index_copy / store.CURRENT).resolve())
    with pytest.raises(store.IndexProblem) as err:
        load_index(index_copy)
    assert "policyqa index" in one_line(err.value)


def test_damaged_index_is_not_reused_for_vectors(index_copy, embedder):
    build = (index_copy / store.CURRENT).resolve()
    assert store.previous_vectors(index_copy, embedder.info.checksum)
    assert store.previous_vectors(index_copy, "another-model") == {}
    _flip_byte(build / store.VECTORS)
    assert store.previous_vectors(index_copy, embedder.info.checksum) == {}


# --- incremental rebuilds ---------------------------------------------------------------------------


def test_incremental_rebuild_reembeds_only_changed_chunks(small, index_copy, tmp_path, embedder):
    s, _ = small
    seeds = make_seeds(tmp_path / "seeds")
    old_chunks = expected_chunks(seeds)
    target = seeds / DOCS[0]
    raw = target.read_text(encoding="utf-8")
    assert raw.count("可获300%税务扣减") == 1
    target.write_text(raw.replace("可获300%税务扣减", "可获400%税务扣减"), encoding="utf-8")
    new_chunks = expected_chunks(seeds)
    old_texts = {c.context_text for c in old_chunks}
    changed = [c for c in new_chunks if c.context_text not in old_texts]
    assert changed and all(c.doc == DOCS[0] for c in changed)
    assert len(changed) < sum(c.doc == DOCS[0] for c in new_chunks)

    s2 = s.replace(seeds_dir=seeds, index_dir=index_copy)
    report = build_index(s2, embedder, progress=False)
    assert report.embedded == len(changed)
    assert report.reused == len(new_chunks) - len(changed)
    assert report.chunks == len(new_chunks)

    loaded = load_index(index_copy, expect_of(embedder))
    assert [c.text for c in loaded.chunks] == [c.text for c in new_chunks]
    row = next(i for i, c in enumerate(loaded.chunks) if "400%税务扣减" in c.text)
    fresh = embedder.encode_passages([loaded.chunks[row].context_text])[0]
    np.testing.assert_allclose(loaded.embeddings[row], fresh, atol=1e-5)
    # Only one build is kept, and it is the current one.
    builds = list((index_copy / store.BUILDS).iterdir())
    assert builds == [(index_copy / store.CURRENT).resolve()]

    # Nothing changed: everything is reused.
    again = build_index(s2, embedder, progress=False)
    assert (again.embedded, again.reused) == (0, len(new_chunks))


def test_rebuild_flag_reembeds_everything(small, tmp_path, embedder):
    s, _ = small
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "tiny.txt").write_text(
        "一、总则\n为推动创新，制定本办法，适用于本市登记注册的企业和研发机构。\n"
        "二、支持措施\n对新认定的高新技术企业给予一次性奖励二十万元，奖励资金由市财政承担。\n",
        encoding="utf-8",
    )
    s2 = s.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    first = build_index(s2, embedder, progress=False)
    assert first.embedded == first.chunks >= 2
    forced = build_index(s2, embedder, rebuild=True, progress=False)
    assert (forced.embedded, forced.reused) == (first.chunks, 0)
    assert build_index(s2, embedder, progress=False).embedded == 0


def test_vectors_keyed_by_model_and_text(small, embedder):
    s, _ = small
    loaded = load_index(s.index_dir)
    hashes = [
        json.loads(line)["hash"] for line in (loaded.path / store.CHUNKS).read_text(encoding="utf-8").splitlines()
    ]
    assert hashes == [text_hash(embedder.info.checksum, c.context_text) for c in loaded.chunks]


# --- change detection -------------------------------------------------------------------------------


@pytest.fixture()
def changed_setup(small, tmp_path):
    s, _ = small
    seeds = make_seeds(tmp_path / "seeds")
    manifest = dict(load_index(s.index_dir).manifest, seeds_dir=str(seeds.resolve()))
    return s.replace(seeds_dir=seeds), manifest


def test_seeds_unchanged(changed_setup):
    s, manifest = changed_setup
    assert seeds_changed(s, manifest) == []
    (s.seeds_dir / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden files are never documents
    assert seeds_changed(s, manifest) == []
    (s.seeds_dir / "notes.pdf").write_bytes(b"%PDF-1.4 a new document (PDF is read since issue 12)")
    assert seeds_changed(s, manifest) == ["notes.pdf"]


def test_seeds_edit_detected(changed_setup):
    s, manifest = changed_setup
    path = s.seeds_dir / DOCS[1]
    path.write_text(path.read_text(encoding="utf-8") + "\n新增一段。\n", encoding="utf-8")
    assert seeds_changed(s, manifest) == [DOCS[1]]


def test_seeds_add_and_remove_detected(changed_setup):
    s, manifest = changed_setup
    (s.seeds_dir / "004_9d795c24274e5595.txt").write_bytes((SEEDS / "004_9d795c24274e5595.txt").read_bytes())
    (s.seeds_dir / DOCS[0]).unlink()
    assert seeds_changed(s, manifest) == sorted([DOCS[0], "004_9d795c24274e5595.txt"])


def test_seeds_folder_moved_detected(small, tmp_path):
    s, _ = small
    manifest = load_index(s.index_dir).manifest
    moved = make_seeds(tmp_path / "elsewhere")
    assert seeds_changed(s.replace(seeds_dir=moved), manifest) == ["(seeds folder moved)"]
