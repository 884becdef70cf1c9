"""Faults: bad seed files, a broken catalog, a full disk while writing, a killed build, damaged indexes.

Faults are injected into library calls (numpy.save, faiss.write_index, os.symlink, os.replace) or the
operating system (SIGKILL); our own code always runs for real.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.builder import build_index, ensure_index
from index.documents import CATALOG_FILE, read_seeds
from index.settings import REPO_ROOT
from index.store import IndexDamaged, load_index

SEEDS = REPO_ROOT / "seeds"

DOC_A = (
    "一、总则\n"
    "为推动科技创新，制定本办法。本办法适用于在本市登记注册、具有独立法人资格的企业和研发机构。\n"
    "二、支持措施\n"
    "（一）研发补助\n"
    "对新认定的高新技术企业给予一次性奖励二十万元，奖励资金由市财政承担，按年度统一拨付。\n"
    "（二）人才津贴\n"
    "对引进的博士研究人才，每月发放生活津贴八千元，最长发放三年，由用人单位代为申请。\n"
)
DOC_B = (
    "关于加强数据安全管理的通知\n\n"
    "各区县、各部门：为加强数据安全管理，现就有关事项通知如下。\n\n"
    "一、建立数据分类分级保护制度，重要数据每年至少开展一次风险评估，评估报告报市网信办备案。\n\n"
    "二、发生数据安全事件时，责任单位应当在两小时内报告，并立即启动应急预案，防止损失扩大。\n"
)


def write_docs(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def expect_of(embedder):
    return (embedder.info.id, embedder.info.checksum)


def snapshot(index_dir: Path, embedder, question: str = "博士研究人才每月生活津贴多少"):
    """What a reader sees: chunk texts, and the dense ranking for a question."""
    loaded = load_index(index_dir, expect_of(embedder))
    _, ids = loaded.vectors.search(embedder.encode_queries([question]), 3)
    return [c.text for c in loaded.chunks], ids[0].tolist(), loaded.path


def build_entries(index_dir: Path) -> list[str]:
    return sorted(p.name for p in (index_dir / store.BUILDS).iterdir())


# --- bad seed files ---------------------------------------------------------------------------------


@pytest.fixture()
def messy_seeds(tmp_path) -> Path:
    folder = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    (folder / "x.txt").mkdir()  # a directory with a document's name
    (folder / "y.txt").symlink_to(folder / "gone.txt")  # dangling symlink
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("\n  \u3000\n\n", encoding="utf-8")
    (folder / "markup-only.txt").write_text("[bookmark: _Toc1]\n**\n", encoding="utf-8")
    (folder / "gbk.txt").write_bytes(DOC_B.encode("gb18030"))
    (folder / "picture.png").write_bytes(b"\x00\x01")  # not a document type: skipped, the format named
    return folder


def test_bad_files_skipped_with_reasons(messy_seeds, caplog):
    with caplog.at_level(logging.WARNING, logger="policyqa.index"):
        scan = read_seeds(messy_seeds)
    assert sorted(d.name for d in scan.documents) == ["a.txt", "gbk.txt"]
    reasons = dict(scan.skipped)
    assert set(reasons) == {"x.txt", "y.txt", "binary.txt", "empty.txt", "blank.md", "markup-only.txt", "picture.png"}
    assert "unreadable" in reasons["x.txt"]
    assert "unreadable" in reasons["y.txt"]
    assert "PNG image" in reasons["binary.txt"]  # recognised by its content, whatever its name
    assert "unsupported format (.png)" in reasons["picture.png"]
    assert reasons["empty.txt"] == "empty (0 bytes)"
    for name in ("blank.md", "markup-only.txt"):
        assert reasons[name] == "empty"
    for name in reasons:
        assert name in caplog.text
    gbk = next(d for d in scan.documents if d.name == "gbk.txt")
    assert "两小时内报告" in gbk.clean.text
    assert gbk.meta.title == "关于加强数据安全管理的通知"


def test_bad_files_skipped_and_rest_indexed(messy_seeds, tmp_path, settings, embedder):
    s = settings.replace(seeds_dir=messy_seeds, index_dir=tmp_path / "index")
    report = build_index(s, embedder, progress=False)
    assert report.documents == 2
    assert {n for n, _ in report.skipped} == {
        "x.txt",
        "y.txt",
        "binary.txt",
        "empty.txt",
        "blank.md",
        "markup-only.txt",
        "picture.png",
    }
    loaded = load_index(s.index_dir, expect_of(embedder))
    assert {c.doc for c in loaded.chunks} == {"a.txt", "gbk.txt"}
    assert {e["file"] for e in loaded.manifest["skipped"]} == {n for n, _ in report.skipped}
    assert "file(s) skipped" in report.summary()


def test_concurrent_embedding_workers_build_the_same_index(messy_seeds, tmp_path, settings, embedder):
    """`policyqa index` embeds with one worker per core (ONNX): the vectors are those of one worker."""
    one = settings.replace(seeds_dir=messy_seeds, index_dir=tmp_path / "one")
    two = settings.replace(seeds_dir=messy_seeds, index_dir=tmp_path / "two")
    build_index(one, embedder, progress=False)
    build_index(two, embedder, progress=False, workers=2)
    a, b = load_index(one.index_dir, expect_of(embedder)), load_index(two.index_dir, expect_of(embedder))
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    assert np.array_equal(
        np.load(one.index_dir / "current" / "vectors.npy"), np.load(two.index_dir / "current" / "vectors.npy")
    )
    assert np.array_equal(a.sentences.vectors, b.sentences.vectors)


def test_no_readable_documents_is_a_clear_error(tmp_path, settings, embedder):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    with pytest.raises(RuntimeError, match="no readable"):
        build_index(settings.replace(seeds_dir=folder, index_dir=tmp_path / "index"), embedder, progress=False)
    with pytest.raises(FileNotFoundError, match="seeds folder not found"):
        read_seeds(tmp_path / "missing")


@pytest.mark.parametrize(
    "catalog",
    ['["000_888cab3c03a9d4df.txt"\ntitle = "unterminated', b"\xff\xfe\x00garbage", "title = = 3"],
    ids=["toml-syntax", "not-utf8", "bad-value"],
)
def test_broken_catalog_warns_and_titles_come_from_documents(tmp_path, catalog, caplog):
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name in ("001_8ca42f570fcc3171.txt", "002_a81a83ff33524248.txt", "003_0162c2ce5302660f.txt"):
        (folder / name).write_bytes((SEEDS / name).read_bytes())
    path = folder / CATALOG_FILE
    path.write_bytes(catalog if isinstance(catalog, bytes) else catalog.encode())
    with caplog.at_level(logging.WARNING, logger="policyqa.index"):
        scan = read_seeds(folder)
    assert len(scan.documents) == 3
    reasons = dict(scan.skipped)
    assert "titles are taken from the documents" in reasons[CATALOG_FILE]
    assert CATALOG_FILE in caplog.text
    titles = {d.name[:3]: d.meta.title for d in scan.documents}
    # The title lines as they stand at the top of each file (a title's parenthesised lines belong to it).
    assert titles == {
        "001": "中山市建设创新型城市实施方案（2015-2020年）（征求意见稿）",
        "002": "关于促进数据产业高质量发展的实施意见（征求意见稿）",
        "003": "东丽区知识产权“十四五”发展规划",
    }
    assert all(d.meta.region == "" for d in scan.documents)


def test_title_without_catalog_skips_letterhead(tmp_path):
    """004 opens with the letterhead "教育部办公厅文件" and the number "教科技厅〔2020〕1号"; its title is
    the notice line about the 2020 work points, not the letterhead."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "004_9d795c24274e5595.txt").write_bytes((SEEDS / "004_9d795c24274e5595.txt").read_bytes())
    (doc,) = read_seeds(folder).documents
    assert "工作要点" in doc.meta.title, doc.meta.title


def test_catalog_with_odd_entries(tmp_path):
    folder = write_docs(tmp_path / "seeds", {"a.txt": DOC_A, "b.txt": DOC_B})
    (folder / CATALOG_FILE).write_text(
        '["a.txt"]\ntitle = "甲办法"\nyear = "2020"\nregion = "某市"\n["b.txt"]\nissuer = "无标题"\n'
        '["gone.txt"]\ntitle = "不存在的文件"\n',
        encoding="utf-8",
    )
    scan = read_seeds(folder)
    assert scan.skipped == []
    metas = {d.name: d.meta for d in scan.documents}
    assert metas["a.txt"].title == "甲办法" and metas["a.txt"].year is None and metas["a.txt"].region == "某市"
    assert metas["b.txt"].title == "关于加强数据安全管理的通知"


# --- disk full / permission denied while writing a build ---------------------------------------------


@pytest.fixture()
def tiny_index(tmp_path, settings, embedder):
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A, "b.txt": DOC_B})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    return s


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _eacces(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


WRITE_FAULTS = ["numpy.save", "faiss.write_index", "bm25s.save", "manifest.write_text", "publish.symlink"]


def _inject(monkeypatch, where: str, index_dir: Path, error) -> None:
    import faiss

    from index import builder, keyword_store

    if where == "numpy.save":
        monkeypatch.setattr(np, "save", error)
    elif where == "faiss.write_index":
        monkeypatch.setattr(faiss, "write_index", error)
    elif where == "bm25s.save":
        monkeypatch.setattr(keyword_store.bm25s.BM25, "save", error)
    elif where == "manifest.write_text":
        real = builder._write_json

        def write_json(path, data):
            if path.name == store.MANIFEST:
                error()
            real(path, data)

        monkeypatch.setattr(builder, "_write_json", write_json)
    elif where == "publish.symlink":
        # The build folder has already been renamed into place when the link cannot be written.
        real_symlink = os.symlink

        def symlink(src, dst, *a, **k):
            if str(index_dir) in str(dst):
                error()
            return real_symlink(src, dst, *a, **k)

        monkeypatch.setattr(store.os, "symlink", symlink)


@pytest.mark.parametrize(
    ("where", "error"),
    [(w, _enospc) for w in WRITE_FAULTS] + [("numpy.save", _eacces), ("publish.symlink", _eacces)],
    ids=[f"{w}-ENOSPC" for w in WRITE_FAULTS] + ["numpy.save-EACCES", "publish.symlink-EACCES"],
)
def test_write_failure_keeps_previous_index(tiny_index, embedder, monkeypatch, where, error):
    s = tiny_index
    before = snapshot(s.index_dir, embedder)
    builds_before = build_entries(s.index_dir)
    (s.seeds_dir / "a.txt").write_text(DOC_A.replace("八千元", "一万元"), encoding="utf-8")
    _inject(monkeypatch, where, s.index_dir, error)
    with pytest.raises(OSError) as err:
        build_index(s, embedder, progress=False)
    assert err.value.errno in (errno.ENOSPC, errno.EACCES)
    monkeypatch.undo()
    after = snapshot(s.index_dir, embedder)
    assert after == before
    assert "八千元" in "".join(after[0])
    # No half-written build is left behind, and nothing but the previous build is in builds/.
    assert build_entries(s.index_dir) == builds_before
    # The next build, with the disk back, succeeds and cleans up.
    report = build_index(s, embedder, progress=False)
    assert report.embedded >= 1
    assert "一万元" in "".join(snapshot(s.index_dir, embedder)[0])
    assert len(build_entries(s.index_dir)) == 1


def test_ensure_index_does_not_rebuild_a_damaged_index(tiny_index, embedder):
    s = tiny_index
    build = (s.index_dir / store.CURRENT).resolve()
    (build / "faiss.index").write_bytes(b"")
    (s.seeds_dir / "a.txt").write_text(DOC_A + "三、附则\n本办法自发布之日起施行，有效期五年。\n", encoding="utf-8")
    with pytest.raises(IndexDamaged) as err:
        ensure_index(s, embedder, progress=False)
    assert "policyqa index --rebuild" in str(err.value) and "\n" not in str(err.value)
    assert (s.index_dir / store.CURRENT).resolve() == build
    # `policyqa index --rebuild` repairs it.
    build_index(s, embedder, rebuild=True, progress=False)
    assert "有效期五年" in "".join(snapshot(s.index_dir, embedder)[0])


@pytest.mark.parametrize("victim", ["faiss.index", store.CHUNKS, store.VECTORS, store.DOCUMENTS])
def test_deleted_or_truncated_files_give_clear_error(tiny_index, embedder, victim):
    build = (tiny_index.index_dir / store.CURRENT).resolve()
    for action in ("truncate", "delete"):
        path = build / victim
        if action == "truncate":
            data = path.read_bytes()
            path.write_bytes(data[: max(1, len(data) - 7)])
        else:
            path.unlink()
        with pytest.raises(IndexDamaged) as err:
            load_index(tiny_index.index_dir, expect_of(embedder))
        msg = str(err.value)
        assert "\n" not in msg and victim in msg and "policyqa index --rebuild" in msg


# --- a build killed midway ----------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from index.builder import build_index
    from index.embedder import Embedder
    from index.settings import Settings

    seeds, index_dir, stage = sys.argv[1], sys.argv[2], sys.argv[3]
    settings = Settings.from_env().replace(seeds_dir=Path(seeds), index_dir=Path(index_dir))
    embedder = Embedder(settings)
    if stage == "write":
        real_save = np.save
        def slow_save(*args, **kwargs):  # a very slow disk: the build folder exists, half written
            print("WRITING", flush=True)
            time.sleep(120)
            return real_save(*args, **kwargs)
        np.save = slow_save
    print("EMBEDDING", flush=True)
    build_index(settings, embedder, rebuild=True, progress=True)
    print("DONE", flush=True)
    """
)


def _wait_for(proc: subprocess.Popen, condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["embed", "write"])
def test_killed_build_keeps_previous_index(tiny_index, embedder, tmp_path, stage):
    s = tiny_index
    before = snapshot(s.index_dir, embedder)
    builds_before = build_entries(s.index_dir)
    # A bigger corpus, so that embedding takes long enough to be interrupted.
    big = write_docs(tmp_path / "big", {"a.txt": DOC_A})
    (big / "000_888cab3c03a9d4df.txt").write_bytes((SEEDS / "000_888cab3c03a9d4df.txt").read_bytes())
    out = tmp_path / "child.out"
    err = tmp_path / "child.err"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(big), str(s.index_dir), stage],
            cwd=REPO_ROOT,
            stdout=fo,
            stderr=fe,
            env=env,
        )
        try:
            if stage == "embed":
                started = _wait_for(proc, lambda: "embedding passages" in err.read_text(errors="replace"), 240)
            else:
                started = _wait_for(
                    proc,
                    lambda: (
                        "WRITING" in out.read_text()
                        and any(n.startswith(".incomplete-") for n in build_entries(s.index_dir))
                    ),
                    300,
                )
            assert started, f"child never reached {stage}: {err.read_text(errors='replace')[-2000:]}"
            if stage == "embed":
                time.sleep(0.5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "DONE" not in out.read_text()
    after = snapshot(s.index_dir, embedder)
    assert after == before
    assert (s.index_dir / store.CURRENT).resolve() == before[2]
    leftovers = [n for n in build_entries(s.index_dir) if n not in builds_before]
    assert all(n.startswith(".incomplete-") for n in leftovers)
    # The next build publishes and sweeps the abandoned folder away.
    build_index(s, embedder, progress=False)
    assert len(build_entries(s.index_dir)) == 1
    assert not any(n.startswith(".incomplete-") for n in build_entries(s.index_dir))
