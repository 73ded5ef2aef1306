// The page's strings: i18next (vendored, global `i18next`) with one catalogue per language and namespace, loaded from
// /static/i18n/<lang>/<ns>.json. The language is the visitor's remembered choice, else what the server chose from
// Accept-Language and the region (the <html lang> it sent). Numbers, times and relative ages are formatted here.
export const LANGS = ["zh-Hans", "en"];
const KEY = "fevermap.lang";
let namespaces = ["app"];
const listeners = [];

function remembered() {
  try { return localStorage.getItem(KEY); } catch (err) { return null; }
}

export function currentLang() { return i18next.language; }

async function loadBundles(lang) {
  await Promise.all(namespaces.map(async (ns) => {
    if (i18next.hasResourceBundle(lang, ns)) return;
    const response = await fetch(`/static/i18n/${lang}/${ns}.json`);
    if (response.ok) i18next.addResourceBundle(lang, ns, await response.json(), true, true);
  }));
}

export async function initI18n(ns) {
  namespaces = ns;
  const fromServer = document.documentElement.lang;
  const choice = remembered();
  const lang = LANGS.includes(choice) ? choice : (LANGS.includes(fromServer) ? fromServer : "en");
  await i18next.init({ lng: lang, fallbackLng: "en", supportedLngs: LANGS, load: "currentOnly", ns, defaultNS: "app",
    resources: {}, interpolation: { escapeValue: false }, returnNull: false, showSupportNotice: false });
  await loadBundles(lang);
  if (lang !== "en") await loadBundles("en"); // the fallback, for strings a new view has not translated yet
  await i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
}

export async function setLanguage(lang) {
  try { localStorage.setItem(KEY, lang); } catch (err) { /* private mode: the choice lasts this visit */ }
  document.cookie = `fevermap_lang=${lang}; path=/; max-age=31536000; SameSite=Lax`;
  await loadBundles(lang);
  await i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
  applyStatic(document);
  for (const fn of listeners) fn(lang);
}

export function onLanguage(fn) { listeners.push(fn); }

export const t = (key, options) => i18next.t(key, options);

/** Fill elements marked data-i18n (text) and data-i18n-aria (aria-label) under `root`. */
export function applyStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}

/** "updated 3 min ago" for an ISO time (or a number of milliseconds since the epoch). */
export function ago(when) {
  if (when === null || when === undefined) return t("app:age.never");
  const ms = typeof when === "number" ? when : Date.parse(when);
  const minutes = Math.max(0, Math.round((Date.now() - ms) / 60000));
  if (minutes < 1) return t("app:age.just_now");
  if (minutes < 120) return t("app:age.minutes", { count: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t("app:age.hours", { count: hours });
  return t("app:age.days", { count: Math.round(hours / 24) });
}

/** HH:MM in the page's language, 24-hour clock. */
export function clock(ms) {
  return new Intl.DateTimeFormat(currentLang(), { hour: "2-digit", minute: "2-digit", hour12: false }).format(ms);
}

export function num(n, digits = 0) {
  return new Intl.NumberFormat(currentLang(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

/** A day (YYYY-MM-DD) written out in the page's language. */
export function dayText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(currentLang(), { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" })
    .format(Date.UTC(y, m - 1, d));
}

export function esc(text) {
  const div = document.createElement("div");
  div.textContent = text === null || text === undefined ? "" : String(text);
  return div.innerHTML;
}
