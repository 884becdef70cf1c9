"""The "文件管理" page and the collection changes behind it (issue 12): safe uploads checked by content, removal,
two admins at once, and, in a real Chromium, a wrong token refused and an upload that the chat answers from in
the same session while 20 questions are being asked through the API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.common import api_call
from index.builder import build_index
from index.collection import CollectionError, add_document, collection_lock, remove_document, safe_name
from index.settings import REPO_ROOT
from index.store import list_documents, load_index
from qa.live import LivePipeline
from qa.pipeline import Pipeline
from tests.conftest import free_port
from tests.test_faults import DOC_A, DOC_B, expect_of, write_docs
from ui.admin import token_ok

TOKEN = "staff-secret-token"
NEW_QUESTION = "发生数据安全事件时多长时间内要报告？"
OLD_QUESTION = "博士研究人才每月生活津贴多少？"


def test_safe_names_stay_in_the_folder() -> None:
    assert safe_name("../../etc/passwd.txt", "text") == "passwd.txt"
    assert safe_name("..\\..\\evil.pdf", "pdf") == "evil.pdf"
    assert safe_name("通知 (2024).PDF", "pdf") == "通知 (2024).pdf"
    assert safe_name(".hidden.docx", "docx") == "hidden.docx"
    assert safe_name("a\x00b:c?.txt", "html") == "a_b_c.html"  # the suffix follows the content
    assert safe_name("...", "text").startswith("document-")
    assert len(safe_name("长" * 500 + ".txt", "text")) <= 84


def test_uploads_are_checked_by_content_and_written_inside(tmp_path) -> None:
    from index.settings import Settings

    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = Settings(seeds_dir=seeds, index_dir=tmp_path / "index")
    added = add_document(s, "../outside/通知.txt", DOC_B.encode("gbk"))
    assert added.name == "通知.txt" and (seeds / "通知.txt").exists() and not (tmp_path / "outside").exists()
    assert added.title == "关于加强数据安全管理的通知" and not added.replaced
    for name, data, reason in [
        ("zero.txt", b"", "empty"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".doc"),
        ("noise.pdf", b"%PDF-1.4 garbage", "truncated"),
        ("big.txt", b"x" * 2000, "larger than"),
    ]:
        with pytest.raises(CollectionError, match=reason):
            add_document(s, name, data, limit=1000)
    assert sorted(p.name for p in seeds.iterdir()) == ["a.txt", "通知.txt"]  # nothing else written, no temp left
    with pytest.raises(CollectionError, match="no document named"):
        remove_document(s, "../a.txt")
    remove_document(s, "通知.txt")
    assert sorted(p.name for p in seeds.iterdir()) == ["a.txt"]


def test_token_compared_whole() -> None:
    assert token_ok(TOKEN, TOKEN)
    assert not token_ok(TOKEN[:-1], TOKEN) and not token_ok("", TOKEN) and not token_ok(TOKEN, "")
    assert not token_ok(None, TOKEN) and not token_ok("x" * 5000, TOKEN)


@pytest.mark.slow
def test_two_admins_at_once_both_land(tmp_path, settings, embedder) -> None:
    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index")
    build_index(s, embedder, progress=False)
    errors: list[BaseException] = []

    def admin(name: str, text: str) -> None:
        try:
            with collection_lock(s):
                add_document(s, name, text.encode("utf-8"))
                build_index(s, embedder, progress=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=admin, args=(f"{n}.txt", DOC_B.replace("通知", f"通知{n}"))) for n in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert errors == []
    loaded = load_index(s.index_dir, expect_of(embedder))
    assert set(loaded.documents) == {"a.txt", "x.txt", "y.txt"}
    assert [d["file"] for d in list_documents(s.index_dir)["documents"]] == ["a.txt", "x.txt", "y.txt"]
    # `policyqa docs` lists the same collection from the shell, without loading the model.
    env = dict(os.environ, POLICYQA_INDEX_DIR=str(s.index_dir), POLICYQA_SEEDS_DIR=str(seeds))
    docs = subprocess.run(
        [sys.executable, "-m", "qa.cli", "docs"], env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )
    assert docs.returncode == 0, docs.stderr
    assert "关于加强数据安全管理的通知x" in docs.stdout and "x.txt" in docs.stdout and "3 documents" in docs.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "qa.cli", "docs", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert [d["format"] for d in json.loads(listed.stdout)["documents"]] == ["text"] * 3


# --- in a real browser -----------------------------------------------------------------------------------------


@pytest.fixture()
def admin_server(tmp_path, settings, embedder):
    from ui.app import create_app, launch_options

    seeds = write_docs(tmp_path / "seeds", {"a.txt": DOC_A})
    s = settings.replace(seeds_dir=seeds, index_dir=tmp_path / "index", admin_token=TOKEN)
    build_index(s, embedder, progress=False)
    live = LivePipeline(Pipeline(s, embedder=embedder, progress=False))
    demo = create_app(live)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_options(s))
    try:
        yield f"http://127.0.0.1:{port}/", live, tmp_path
    finally:
        demo.close()


def test_no_admin_page_without_a_token(server_url) -> None:
    assert httpx.get(server_url + "admin", timeout=30).status_code == 404


@pytest.mark.browser
@pytest.mark.slow
def test_upload_in_the_browser_answers_in_the_same_session(admin_server) -> None:
    from playwright.sync_api import sync_playwright

    url, live, tmp_path = admin_server
    upload = tmp_path / "upload" / "数据安全通知.txt"
    upload.parent.mkdir()
    upload.write_bytes(DOC_B.encode("gb18030"))  # a GBK file, as staff receive them
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    results: list[tuple[str, object]] = []
    with sync_playwright() as p, httpx.Client(base_url=url, timeout=300) as http:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(url + "admin")
            status = page.locator("#pq-admin-status")
            page.locator("#pq-admin-token input").fill("wrong-token")
            page.locator("#pq-admin-unlock").click()
            status.get_by_text("令牌不正确").wait_for()
            assert not page.locator("#pq-admin-upload").is_visible()
            page.locator("#pq-admin-token input").fill(TOKEN)
            page.locator("#pq-admin-unlock").click()
            status.get_by_text("已解锁").wait_for()
            assert "a.txt" in page.locator("#pq-admin-docs").inner_text()
            page.locator("#pq-admin-file input[type=file]").set_input_files(str(upload))
            time.sleep(1)  # the file reaches the server before the click
            with ThreadPoolExecutor(max_workers=4) as pool:
                page.locator("#pq-admin-upload").click()
                asked = [pool.submit(api_call, http, "answer", [OLD_QUESTION, "[]", "", ""]) for _ in range(20)]
                status.get_by_text("已添加").wait_for(timeout=300_000)
                results = [f.result(timeout=300) for f in asked]
            assert "数据安全通知.txt" in page.locator("#pq-admin-docs").inner_text()
            assert "问答已切换到新索引" in status.inner_text()
            # The chat page of the same browser session answers from the new document.
            page.goto(url)
            page.locator("#pq-input textarea").fill(NEW_QUESTION)
            page.locator("#pq-input textarea").press("Enter")
            page.locator("#pq-sources").get_by_text("两小时内报告").first.wait_for()
        finally:
            browser.close()
    assert len(results) == 20
    for event, data in results:
        assert event == "complete", (event, data)
        assert "八千元" in data[0]["answer"]
    assert live.swaps == 1 and (Path(live.settings.seeds_dir) / "数据安全通知.txt").exists()
