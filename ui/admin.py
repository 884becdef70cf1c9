"""The "文件管理" page for staff: list the collection, upload a document, remove one; the index is then updated
incrementally (only the changed document is embedded) with progress shown, and the running app switches to the
new build (qa/live.py). Present only when the admin token is set; every action checks the token again, compared
in constant time, so a page left open or a direct API call without the token can change nothing."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import Any

import gradio as gr

from index import store
from index.builder import build_index
from index.collection import CollectionError, add_document, collection_lock, remove_document
from index.documents import MAX_DOC_BYTES
from index.loaders import SUPPORTED_HINT

log = logging.getLogger("policyqa.ui")

HEADERS = ["标题", "发文机关", "文号", "日期", "格式", "段落数", "索引时间", "文件名"]
LOCKED = "请输入管理令牌。"
WRONG_TOKEN = "令牌不正确。"
TRACK_TQDM = gr.Progress(track_tqdm=True)  # the build's tqdm bars, shown in the page


def token_ok(given: object, expected: str) -> bool:
    """Constant-time comparison; an empty expected token never matches (the page is off)."""
    if not expected or not isinstance(given, str) or len(given) > 1024:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def collection_rows(index_dir: Path) -> tuple[list[list[Any]], list[str], str]:
    """(table rows, file names, note on skipped files) of the current build."""
    try:
        listing = store.list_documents(index_dir)
    except store.IndexProblem as exc:
        return [], [], str(exc)
    rows = [
        [d["title"], d["issuer"], d["number"], d["date"] or (d["year"] or ""), d["format"], d["chunks"],
         d["indexed"][:19].replace("T", " "), d["file"]]
        for d in listing["documents"]
    ]
    skipped = "; ".join(f"{s['file']}: {s['reason']}" for s in listing["skipped"])
    return rows, [d["file"] for d in listing["documents"]], (f"未收录的文件：{skipped}" if skipped else "")


def add_admin_page(demo: gr.Blocks, pipeline: Any) -> None:
    """Add the page to ``demo`` (call after the main page's layout, outside its ``with`` block)."""
    settings = pipeline.settings
    upload_limit = min(settings.max_upload_bytes, MAX_DOC_BYTES)

    def update_index(progress: gr.Progress) -> str:
        progress(0, desc="更新索引")
        report = build_index(settings, pipeline.embedder, progress=True)  # tqdm bars show in the page
        switched = pipeline.refresh(wait=True) if hasattr(pipeline, "refresh") else False
        return (
            f"索引已更新：{report.documents} 份文件，{report.chunks} 段；本次嵌入 {report.embedded} 段，复用 "
            f"{report.reused} 段，用时 {report.seconds:.1f} 秒。" + ("问答已切换到新索引。" if switched else "")
        )

    def listing(note: str = "") -> tuple[Any, Any, str]:
        rows, names, skipped = collection_rows(settings.index_dir)
        return gr.update(value=rows), gr.update(choices=names, value=None), "\n\n".join(p for p in (note, skipped) if p)

    def unlock(token: str) -> tuple[Any, ...]:
        if not token_ok(token, settings.admin_token):
            return gr.update(visible=False), gr.update(), gr.update(), WRONG_TOKEN
        return (gr.update(visible=True), *listing("已解锁。"))

    def upload(token: str, path: str | None, progress: gr.Progress = TRACK_TQDM) -> tuple[Any, ...]:
        if not token_ok(token, settings.admin_token):
            return gr.update(), gr.update(), WRONG_TOKEN
        if not path:
            return gr.update(), gr.update(), "请先选择文件。"
        file = Path(path)
        try:
            if file.stat().st_size > upload_limit:
                raise CollectionError(f"文件超过 {upload_limit:,} 字节的上限")
            with collection_lock(settings):
                added = add_document(settings, file.name, file.read_bytes(), upload_limit)
                note = update_index(progress)
        except (CollectionError, OSError, RuntimeError) as exc:
            return (*listing()[:2], f"未添加：{exc}（{SUPPORTED_HINT}）")
        verb = "已替换" if added.replaced else "已添加"
        return listing(f"{verb}《{added.title}》（{added.name}，{added.format}）。{note}")

    def remove(token: str, name: str | None, progress: gr.Progress = TRACK_TQDM) -> tuple[Any, ...]:
        if not token_ok(token, settings.admin_token):
            return gr.update(), gr.update(), WRONG_TOKEN
        if not name:
            return gr.update(), gr.update(), "请先选择要删除的文件。"
        try:
            with collection_lock(settings):
                remove_document(settings, name)
                note = update_index(progress)
        except (CollectionError, OSError, RuntimeError) as exc:
            return (*listing()[:2], f"未删除：{exc}")
        return listing(f"已删除 {name}。{note}")

    with demo.route("文件管理", "/admin"):
        gr.Markdown("## 文件管理")
        with gr.Row(equal_height=True):
            token = gr.Textbox(label="管理令牌", type="password", scale=3, elem_id="pq-admin-token")
            unlock_btn = gr.Button("解锁", scale=1, elem_id="pq-admin-unlock")
        status = gr.Markdown(LOCKED, elem_id="pq-admin-status")
        with gr.Column(visible=False) as panel:
            table = gr.Dataframe(headers=HEADERS, value=[], interactive=False, wrap=True, elem_id="pq-admin-docs")
            with gr.Row(equal_height=False):
                file = gr.File(
                    label=f"上传文件（PDF、Word .docx、网页 .html、文本 .txt；不超过 {upload_limit // 1024:,} KB）",
                    file_count="single", type="filepath", elem_id="pq-admin-file", scale=3, height=140,
                )
                upload_btn = gr.Button("上传并更新索引", variant="primary", elem_id="pq-admin-upload", scale=1)
            with gr.Row(equal_height=False):
                chosen = gr.Dropdown(label="删除文件", choices=[], elem_id="pq-admin-remove-name", scale=3)
                remove_btn = gr.Button("删除并更新索引", variant="stop", elem_id="pq-admin-remove", scale=1)
        unlock_btn.click(unlock, [token], [panel, table, chosen, status], api_visibility="private")
        token.submit(unlock, [token], [panel, table, chosen, status], api_visibility="private")
        # One change at a time in this process (the collection lock covers other processes).
        upload_btn.click(upload, [token, file], [table, chosen, status], api_visibility="private",
                         concurrency_limit=1, concurrency_id="pq-admin")
        remove_btn.click(remove, [token, chosen], [table, chosen, status], api_visibility="private",
                         concurrency_limit=1, concurrency_id="pq-admin")
