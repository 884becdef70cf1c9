"""Index faults from issue 10: replicas loading while a build is published, an index path that is a file,
UTF-16 seeds, symlinks out of the seeds folder. Real builds, real files, real processes."""

from __future__ import annotations

import codecs
import logging
import os
import subprocess
import sys
import textwrap
import time

import pytest

from index import store
from index.builder import build_index
from index.documents import read_seeds
from index.settings import REPO_ROOT
from index.store import IndexDamaged, IndexProblem, load_index
from tests.test_faults import DOC_A, DOC_B, expect_of, write_docs

# --- 6. replicas loading while a build switches `current` ----------------------------------------------------

SWITCHES = 40
_PUBLISHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from index.builder import build_index
    from index.embedder import Embedder
    from index.settings import Settings

    seeds, index_dir, switches = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    settings = Settings.from_env().replace(seeds_dir=seeds, index_dir=index_dir)
    embedder = Embedder(settings)
    print("READY", flush=True)
    for i in range(switches):  # warm builds: vectors reused, each publish switches `current` and removes the old
        build_index(settings, embedder, progress=False)
        print("SWITCHED", i, flush=True)
    """
)


@pytest.mark.slow
def test_loading_while_builds_are_published_never_reports_damage(tmp_path, settings, embedder) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A, "b.txt": DOC_B})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    out = tmp_path / "publisher.out"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    with out.open("w") as fo:
        child = subprocess.Popen(
            [sys.executable, "-c", _PUBLISHER, str(seeds), str(s.index_dir), str(SWITCHES)],
            cwd=REPO_ROOT,
            env=env,
            stdout=fo,
            stderr=subprocess.PIPE,
            text=True,
        )
        loads, damaged, builds_seen = 0, [], set()
        deadline = time.monotonic() + 600
        try:
            while child.poll() is None and time.monotonic() < deadline:
                if "READY" not in out.read_text():
                    time.sleep(0.05)
                    continue
                try:
                    builds_seen.add(load_index(s.index_dir, expect_of(embedder)).path.name)
                    loads += 1
                except IndexDamaged as exc:
                    damaged.append(str(exc))
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(timeout=30)
    assert child.returncode == 0, child.stderr.read()[-2000:]
    assert out.read_text().count("SWITCHED") == SWITCHES
    assert len(builds_seen) >= 3, "the loads did not overlap the switches"
    assert damaged == [], f"{len(damaged)} of {loads + len(damaged)} loads: {damaged[0]}"


def test_real_damage_is_still_reported(tmp_path, settings, embedder) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    (store.current_build(s.index_dir) / store.CHUNKS).write_text("", encoding="utf-8")
    with pytest.raises(IndexDamaged, match="--rebuild"):
        load_index(s.index_dir, expect_of(embedder))


# --- 7. an index path that is a file -----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["file", "below-a-file"])
def test_index_path_that_is_a_file_fails_before_embedding(tmp_path, settings, embedder, where) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    blocker = tmp_path / "index"
    blocker.write_text("not a folder", encoding="utf-8")
    index_dir = blocker if where == "file" else blocker / "sub"
    with pytest.raises(IndexProblem, match="is a file") as err:
        build_index(settings.replace(seeds_dir=seeds, index_dir=index_dir), embedder, progress=False)
    assert str(blocker) in str(err.value) and "\n" not in str(err.value)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


# --- 7. UTF-16 seeds ----------------------------------------------------------------------------------------------


def test_utf16_seeds_are_read_or_named(tmp_path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "le-bom.txt").write_bytes(DOC_A.encode("utf-16"))  # BOM + native order, as Windows Notepad writes
    (folder / "be-bom.txt").write_bytes(codecs.BOM_UTF16_BE + DOC_B.encode("utf-16-be"))
    (folder / "utf32.txt").write_bytes(DOC_B.encode("utf-32"))
    (folder / "le-no-bom.txt").write_bytes(DOC_A.encode("utf-16-le"))
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    scan = read_seeds(folder)
    texts = {d.name: d.clean.text for d in scan.documents}
    assert set(texts) == {"le-bom.txt", "be-bom.txt", "utf32.txt", "le-no-bom.txt"}  # charset-normalizer finds it
    assert "八千元" in texts["le-bom.txt"] and "两小时内报告" in texts["be-bom.txt"]
    assert "八千元" in texts["le-no-bom.txt"]
    assert "\ufeff" not in texts["le-bom.txt"]
    reasons = dict(scan.skipped)
    assert "PNG image" in reasons["binary.txt"]


# --- 7. symlinks out of the seeds folder --------------------------------------------------------------------------


def test_symlinks_out_of_the_seeds_folder_are_skipped(tmp_path, caplog) -> None:
    outside = write_docs(tmp_path / "elsewhere", {"secret.txt": DOC_B})
    folder = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    (folder / "link-out.txt").symlink_to(outside / "secret.txt")
    (folder / "link-in.md").symlink_to(folder / "a.txt")  # inside the folder: an alias, read as before
    with caplog.at_level(logging.WARNING, logger="policyqa.index"):
        scan = read_seeds(folder)
    assert sorted(d.name for d in scan.documents) == ["a.txt", "link-in.md"]
    reason = dict(scan.skipped)["link-out.txt"]
    assert "outside the seeds folder" in reason and "POLICYQA_ALLOW_SEED_SYMLINKS" in reason
    assert "link-out.txt" in caplog.text
    allowed = read_seeds(folder, allow_symlinks=True)
    assert "link-out.txt" in {d.name for d in allowed.documents}


def test_build_follows_outside_symlinks_only_when_allowed(tmp_path, settings, embedder) -> None:
    outside = write_docs(tmp_path / "elsewhere", {"secret.txt": DOC_B})
    folder = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    (folder / "link-out.txt").symlink_to(outside / "secret.txt")
    s = settings.replace(seeds_dir=folder, index_dir=tmp_path / "index")
    report = build_index(s, embedder, progress=False)
    assert [n for n, _ in report.skipped] == ["link-out.txt"]
    report = build_index(s.replace(allow_seed_symlinks=True), embedder, progress=False)
    assert report.documents == 2 and report.skipped == []
