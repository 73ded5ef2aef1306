// The bottom sheet of phone widths: peek / half / full, never covering the whole map. The handle cycles the states
// (keyboard and tap) and can be dragged. At desktop widths CSS turns the sheet into the side panel.
import { t } from "./i18n.js";

const STATES = ["peek", "half", "full"];

export function createSheet() {
  const sheet = document.getElementById("sheet");
  const handle = document.getElementById("sheet-handle");
  const set = (state) => {
    sheet.dataset.state = state;
    handle.setAttribute("aria-expanded", String(state !== "peek"));
    handle.setAttribute("aria-label", t(state === "full" ? "app:sheet_collapse" : "app:sheet_expand"));
    document.dispatchEvent(new CustomEvent("fevermap:sheet", { detail: state }));
  };
  let dragStart = null;
  let moved = false;
  handle.addEventListener("click", () => {
    if (moved) { moved = false; return; }
    set(STATES[(STATES.indexOf(sheet.dataset.state) + 1) % STATES.length]);
  });
  handle.addEventListener("pointerdown", (e) => { dragStart = e.clientY; moved = false; });
  window.addEventListener("pointerup", (e) => {
    if (dragStart === null) return;
    const dy = e.clientY - dragStart;
    dragStart = null;
    if (Math.abs(dy) < 24) return;
    moved = true;
    const i = STATES.indexOf(sheet.dataset.state);
    set(STATES[Math.max(0, Math.min(STATES.length - 1, i + (dy < 0 ? 1 : -1)))]);
  });
  return { set, get state() { return sheet.dataset.state; }, body: document.getElementById("sheet-body") };
}
