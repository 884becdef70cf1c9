"""The page's own script and style (given to ``launch(js=..., css=...)``).

The script does what no Gradio event does: a click on ``[n]`` in an answer scrolls that answer's source card into
view and flashes it (the side panel's card when the panel shows that answer and the screen is wide, else the line
under the answer, opened); a click on "查看原文" sends "<answer id> <n>" through a hidden textbox and button to the
server, which renders the document (ui/document_view.py); after that the page scrolls the passage into view.
One listener on the document (capture phase) serves every message, also those rendered later.
"""

from __future__ import annotations

PHONE_MAX_PX = 700  # at or below this width the sources sit under each answer instead of in the side panel

PAGE_JS = r"""
() => {
  if (window.pqInstalled) return;
  window.pqInstalled = true;
  const phone = () => window.matchMedia('(max-width: __PHONE__px)').matches;
  const flash = (el) => {
    el.classList.remove('pq-flash');
    void el.offsetWidth;
    el.classList.add('pq-flash');
  };
  const inlineItem = (answer, n) => {
    const box = document.querySelector(`#pq-chat .pq-inline.pq-a-${answer}`);
    return box ? box.querySelector(`.pq-inline-item.pq-n-${n}`) : null;
  };
  const follow = (answer, n) => {
    let card = null;
    const panel = document.querySelector('#pq-sources .pq-panel');
    if (!phone() && panel && panel.dataset.answer === answer) {
      card = panel.querySelector(`.pq-source[data-n="${n}"]`);
    }
    if (!card) {
      card = inlineItem(answer, n);
      if (card) {
        card.open = true;
        card.closest('.pq-inline').classList.add('pq-shown');
      }
    }
    if (card) {
      card.scrollIntoView({behavior: 'instant', block: 'center'});
      flash(card);
    }
  };
  const view = (answer, n) => {
    const box = document.querySelector('#pq-doc-request textarea, #pq-doc-request input');
    const go = document.querySelector('#pq-doc-go');
    if (!box || !go) return;
    box.value = `${answer} ${n}`;  // n: "3" (citation [3]) or "r2" (related passage 2 of a refusal)
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => go.click(), 0);
  };
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const cite = target && target.closest('a.pq-cite');
    const open = target && target.closest('a.pq-view');
    const link = cite || open;
    if (!link) return;
    ev.preventDefault();
    ev.stopPropagation();
    // "#pq-cite-<answer>-<n>" / "#pq-view-<answer>-<n>" (the chat's sanitiser keeps href, not data-*)
    const m = (link.getAttribute('href') || '').match(/^#pq-(?:cite|view)-(\d+)-(r?\d+)$/);
    if (m) (cite ? follow : view)(m[1], m[2]);
  }, true);
}
""".replace("__PHONE__", str(PHONE_MAX_PX))

# Run after the document panel has been filled: bring the cited passage into view.
SCROLL_TO_PASSAGE_JS = """
() => {
  const tries = [0, 100, 300, 800];
  for (const t of tries) setTimeout(() => {
    const p = document.getElementById('pq-doc-passage');
    if (p) { p.scrollIntoView({behavior: 'instant', block: 'center'}); }
  }, t);
}
"""

PAGE_CSS = """
#pq-feedback-status { min-height: 1.5em; }
/* [n] links and the sources under an answer (the chat renders our escaped HTML, never markdown) */
#pq-chat a.pq-cite { color: var(--color-accent); text-decoration: none; font-weight: 600; cursor: pointer; }
#pq-chat a.pq-view { color: var(--color-accent); font-size: 13px; cursor: pointer; }
#pq-chat .pq-inline { display: none; margin-top: 8px; border-top: 1px solid var(--border-color-primary);
  padding-top: 6px; }
#pq-chat .pq-inline.pq-shown { display: block; }
#pq-chat .pq-inline-title { font-weight: 600; font-size: 13px; }
#pq-chat .pq-inline-item summary { font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  cursor: pointer; }
#pq-chat .pq-inline-item[open] summary { white-space: normal; }
#pq-chat .pq-inline-text { font-size: 13px; line-height: 1.7; white-space: pre-wrap; margin: 4px 0; }
#pq-chat .pq-inline-text mark { background: #fde68a; color: inherit; }
@keyframes pq-flash { 0% { box-shadow: 0 0 0 3px #f59e0b; background: #fef3c7; } 100% { box-shadow: none; } }
.pq-flash { animation: pq-flash 1.6s ease-out; }
/* the document panel ("查看原文") floats over the page */
#pq-doc-panel { position: fixed; top: 4vh; left: 50%; transform: translateX(-50%); width: min(900px, 94vw);
  max-height: 92vh; overflow-y: auto; z-index: 1000; box-shadow: 0 10px 40px rgba(0,0,0,.35); border-radius: 10px;
  background: var(--background-fill-primary); padding: 12px; }
#pq-doc-head { position: sticky; top: -12px; z-index: 1; background: var(--background-fill-primary);
  padding: 4px 0; }
/* the chat's own 🗑 sat over the conversation's top-right corner, covering messages: 清空 does its job */
#pq-chat .top-panel { display: none !important; }
/* example questions are our own buttons, shown whole and wrapped */
.pq-example { white-space: normal !important; text-align: left !important; justify-content: flex-start !important;
  height: auto !important; font-weight: normal !important; }
/* phone: sources under each answer (the side panel keeps only a refusal's related passages), input at the bottom */
@media (max-width: __PHONE__px) {
  #pq-chat .pq-inline { display: block; }
  #pq-side:has(.pq-panel) { display: none !important; }  /* cited sources are under the answer already */
  #pq-ask-row { position: sticky; bottom: 0; z-index: 20; background: var(--background-fill-primary);
    padding: 6px 0; }
}
""".replace("__PHONE__", str(PHONE_MAX_PX))
