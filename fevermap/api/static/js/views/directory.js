// "Clinics in my city": the national 2020 list for the region's city (or any city), phone first. The list has no
// locations: nothing goes on the map, every entry is called. Data from GET /directory (public).
import { getJSON } from "../api.js";
import { esc, t } from "../i18n.js";

export default {
  id: "directory",
  ns: "directory",
  label: "directory:nav",
  state: { page: null, error: null, offline: null },

  async mount(ctx, el) {
    this.ctx = ctx;
    this.el = el;
    this.city = (ctx.config && ctx.config.directory_city) || null;
    el.addEventListener("click", (e) => { if (e.target.closest("button.retry")) this.load(); });
    this.render();
  },

  show() { this.active = true; if (!this.state.page && !this.loading) this.load(); },
  hide() { this.active = false; },

  async load() {
    this.loading = true;
    this.state.error = null;
    try {
      const q = this.city ? `?city=${encodeURIComponent(this.city)}&limit=50` : "?limit=50";
      const answer = await getJSON(`/directory${q}`);
      this.state.page = answer.data;
      this.state.offline = answer.offline;
    } catch (err) {
      this.state.error = err;
    } finally {
      this.loading = false;
      this.render();
    }
  },

  entry(e) {
    const calls = e.phones.filter((p) => p.tel).map((p) => {
      const number = p.display + (p.extension ? ` ${t("directory:ext", { ext: p.extension })}` : "");
      return `<a class="call dir-call" href="${esc(p.tel)}" aria-label="${esc(t("directory:callLabel", { name: e.name, number }))}">` +
        `☎ ${esc(number)}${p.label ? ` (${esc(p.label)})` : ""}</a>`;
    }).join(" ");
    const meta = [e.county, e.address, e.hours ? t("directory:hours", { hours: e.hours }) : ""].filter(Boolean);
    return `<li class="dir-entry"><div class="phones">${calls || `<span class="muted">${esc(t("directory:noPhone"))}</span>`}</div>` +
      `<strong>${esc(e.name)}</strong>${e.designated ? ` <span class="tag">${esc(t("directory:designated"))}</span>` : ""}` +
      `${meta.length ? `<br><span class="muted">${esc(meta.join(" · "))}</span>` : ""}</li>`;
  },

  render() {
    const s = this.state;
    let body = `<p class="muted" role="status">${esc(t("app:loading"))}</p>`;
    if (s.error) {
      body = `<p class="error">${esc(t("app:errors.network"))}</p><button type="button" class="retry">${esc(t("app:retry"))}</button>`;
    } else if (s.page) {
      const p = s.page;
      const head = p.city ? t("directory:count", { city: p.city, count: p.total }) : t("directory:countAll", { count: p.total });
      body = `<p class="as-of"><strong>${esc(head)}</strong>${s.offline ? ` <span class="tag">${esc(t("app:offline_tag"))}</span>` : ""}</p>` +
        `<ol class="dir-entries">${p.entries.map((e) => this.entry(e)).join("") || `<li class="muted">${esc(t("directory:none"))}</li>`}</ol>`;
    }
    const all = `/static/directory.html${this.city ? `?city=${encodeURIComponent(this.city)}` : ""}`;
    this.el.innerHTML = `<h2 class="view-title">${esc(t("directory:viewTitle"))}</h2>` +
      `<p class="muted">${esc(t("directory:intro"))}</p>` +
      `<div aria-live="polite">${body}</div>` +
      `<p><a class="more-link" href="${all}">${esc(t("directory:openAll"))}</a></p>`;
  },

  onLanguage() { this.render(); },
};
