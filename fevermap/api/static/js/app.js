// fevermap's page: a shell (header with the view switcher and the language switch, the shared map, the sheet/panel)
// and the views registered in views/registry.js, each with its own module and string namespace. No build step.
import { getJSON } from "./api.js";
import { applyStatic, currentLang, esc, initI18n, onLanguage, setLanguage, t } from "./i18n.js";
import { createMap } from "./map.js";
import { createSheet } from "./sheet.js";
import { VIEWS } from "./views/registry.js";

const OTHER = { "zh-Hans": "en", en: "zh-Hans" };
const NAMES = { "zh-Hans": "中文", en: "English" };

function registerServiceWorker() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => { /* no offline copy */ });
}

function langButton() {
  const button = document.getElementById("lang");
  const other = OTHER[currentLang()] || "en";
  button.textContent = NAMES[other];
  button.lang = other;
  button.setAttribute("aria-label", t("app:switch_language", { lng: NAMES[other] }));
}

async function main() {
  registerServiceWorker();
  await initI18n([...new Set(["app", ...VIEWS.map((v) => v.ns)])]);
  document.title = t("app:page_title");
  applyStatic(document);
  langButton();
  let config;
  try {
    config = (await getJSON("/map/config")).data;
  } catch (err) {
    document.getElementById("sheet-body").innerHTML = `<p class="error">${esc(t("app:errors.network"))}</p>` +
      `<button type="button" class="retry" onclick="location.reload()">${esc(t("app:retry"))}</button>`;
    document.body.dataset.ready = "error";
    return;
  }
  const map = await createMap(config);
  const sheet = createSheet();
  let info = {};
  getJSON("/clinics").then(({ data }) => { info = Object.fromEntries(data.map((c) => [c.id, c])); }).catch(() => {});
  const ctx = { map, config, sheet, clinicInfo: (id) => info[id] };
  const nav = document.getElementById("views");
  const views = [];
  for (const entry of VIEWS) {
    const view = (await entry.load()).default;
    const el = document.createElement("div");
    el.className = `view view-${entry.id}`;
    el.id = `view-${entry.id}`;
    el.hidden = true;
    sheet.body.appendChild(el);
    const link = document.createElement("a");
    link.href = `#${entry.id}`;
    link.className = "view-link";
    link.dataset.view = entry.id;
    link.dataset.i18n = entry.label;
    link.textContent = t(entry.label);
    nav.appendChild(link);
    views.push({ entry, view, el, link });
  }
  for (const v of views) await v.view.mount(ctx, v.el);
  const showView = () => {
    const id = location.hash.replace("#", "") || VIEWS[0].id;
    const current = views.find((v) => v.entry.id === id) || views[0];
    for (const v of views) {
      const on = v === current;
      if (!on && !v.el.hidden) v.view.hide();
      v.el.hidden = !on;
      if (on) v.link.setAttribute("aria-current", "page"); else v.link.removeAttribute("aria-current");
    }
    current.view.show();
    // on a phone the nav scrolls sideways: keep the current view's link in sight
    if (current.link.scrollIntoView) current.link.scrollIntoView({ block: "nearest", inline: "nearest" });
    document.body.dataset.view = current.entry.id;
  };
  window.addEventListener("hashchange", showView);
  showView();
  onLanguage(() => {
    document.title = t("app:page_title");
    langButton();
    for (const v of views) v.view.onLanguage();
  });
  document.getElementById("lang").addEventListener("click", () => setLanguage(OTHER[currentLang()] || "en"));
  document.body.dataset.ready = "true";
}

main().catch((err) => { console.error(err); document.body.dataset.ready = "error"; });
