/* The clinic directory page: the national 2020 list by province and city, phone first (no locations).
 * Strings come from static/i18n/<lang>/directory.json through i18next; the language is the saved choice
 * (localStorage "fevermap.lang"), else the browser's, else Chinese. Only the fevermap server is contacted. */
(function () {
  "use strict";
  var LANG_KEY = "fevermap.lang";
  var PAGE = 50;
  var state = { offset: 0, total: 0, provinces: [] };
  var $ = function (id) { return document.getElementById(id); };

  function pickLang() {
    var saved = null;
    try { saved = localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
    if (saved === "en" || saved === "zh-Hans") return saved;
    var langs = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < langs.length; i++) {
      var l = String(langs[i]).toLowerCase();
      if (l.indexOf("zh") === 0) return "zh-Hans";
      if (l.indexOf("en") === 0) return "en";
    }
    return "zh-Hans";
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error((body && body.detail) || r.status + " " + r.statusText);
        return body;
      });
    });
  }

  function t(key, opts) { return window.i18next.t(key, opts); }

  function applyStrings(lang) {
    document.documentElement.lang = lang;
    document.title = t("title") + " · fevermap";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i], attr = n.getAttribute("data-i18n-attr");
      if (attr) n.setAttribute(attr, t(n.getAttribute("data-i18n")));
      else n.textContent = t(n.getAttribute("data-i18n"));
    }
    $("q").setAttribute("placeholder", t("search"));
    $("lang").textContent = lang === "en" ? "中文" : "EN";
    $("lang").setAttribute("aria-label", t("langSwitch"));
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function card(entry) {
    var li = el("li", "dir-entry");
    var phones = el("div", "dir-phones");
    var dialable = entry.phones.filter(function (p) { return p.tel; });
    dialable.forEach(function (p) {
      var a = el("a", "dir-call");
      a.href = p.tel;
      var label = p.display + (p.extension ? " " + t("ext", { ext: p.extension }) : "");
      a.textContent = "☎ " + label + (p.label ? " (" + p.label + ")" : "");
      a.setAttribute("aria-label", t("callLabel", { name: entry.name, number: label }));
      if (p.area_code_inferred) a.title = t("inferred");
      phones.appendChild(a);
    });
    entry.phones.filter(function (p) { return !p.tel; }).forEach(function (p) {
      phones.appendChild(el("span", "dir-meta", p.raw));
    });
    if (!entry.phones.length) phones.appendChild(el("span", "dir-nophone", t("noPhone")));
    li.appendChild(phones);
    var h = el("h3", null, entry.name);
    if (entry.designated) h.appendChild(el("span", "dir-badge", t("designated")));
    li.appendChild(h);
    li.appendChild(el("p", "dir-meta", [entry.province, entry.city, entry.county].filter(Boolean).join(" · ")));
    if (entry.address) li.appendChild(el("p", "dir-meta", t("address", { address: entry.address })));
    if (entry.hours) li.appendChild(el("p", "dir-meta", t("hours", { hours: entry.hours })));
    if (entry.located) li.appendChild(el("p", "dir-meta", t("located")));
    if (entry.source) li.appendChild(el("p", "dir-meta", t("publishedBy", { source: entry.source, date: entry.published || "" })));
    return li;
  }

  function fillProvinces(selected) {
    var sel = $("province");
    while (sel.options.length > 1) sel.remove(1);
    state.provinces.forEach(function (p) { sel.add(new Option(p.province + " (" + p.entries + ")", p.province)); });
    sel.value = selected || "";
  }

  function fillCities(province, selected) {
    var sel = $("city");
    while (sel.options.length > 1) sel.remove(1);
    state.provinces.forEach(function (p) {
      if (province && p.province !== province) return;
      p.cities.forEach(function (c) { sel.add(new Option(c.city + " (" + c.entries + ")", c.city)); });
    });
    sel.value = selected || "";
  }

  function showError(message, again) {
    var s = $("status");
    s.textContent = t("error", { message: message });
    var b = el("button", "retry", t("retry"));
    b.type = "button";
    b.addEventListener("click", again);
    s.appendChild(b);
  }

  function query(append) {
    var params = new URLSearchParams();
    var province = $("province").value, city = $("city").value, q = $("q").value.trim();
    if (province) params.set("province", province);
    if (city) params.set("city", city);
    if (q) params.set("q", q);
    history.replaceState(null, "", "?" + params.toString());
    params.set("limit", PAGE);
    params.set("offset", append ? state.offset : 0);
    $("status").textContent = t("loading");
    return getJSON("/directory?" + params.toString()).then(function (page) {
      var list = $("entries");
      if (!append) list.textContent = "";
      page.entries.forEach(function (e) { list.appendChild(card(e)); });
      state.offset = page.offset + page.entries.length;
      state.total = page.total;
      $("more").hidden = state.offset >= page.total;
      var msg;
      if (page.total === 0) msg = page.city && !q ? t("none") : t("noMatch");
      else if (page.city) msg = t("count", { city: page.city, count: page.total });
      else msg = t("countAll", { count: page.total });
      $("status").textContent = msg;
      if (page.province && !province) { $("province").value = page.province; }
    }).catch(function (err) { showError(err.message, function () { query(append); }); });
  }

  function start(lang) {
    var url = new URLSearchParams(location.search);
    applyStrings(lang);
    return getJSON("/directory/cities").then(function (provinces) {
      state.provinces = provinces;
      fillProvinces(url.get("province"));
      fillCities($("province").value, url.get("city"));
      if (url.get("q")) $("q").value = url.get("q");
      if (url.get("city") && !$("city").value) {
        // a short form (果洛州) or pinyin: let the server resolve it
        return getJSON("/directory?limit=1&city=" + encodeURIComponent(url.get("city"))).then(function (page) {
          fillProvinces(page.province);
          fillCities(page.province, page.city);
          return query(false);
        });
      }
      return query(false);
    }).catch(function (err) { showError(err.message, function () { start(lang); }); });
  }

  function loadLang(lang) {
    return getJSON("/static/i18n/" + lang + "/directory.json").then(function (strings) {
      var res = {}; res[lang] = { directory: strings };
      return window.i18next.init({ lng: lang, fallbackLng: false, ns: ["directory"], defaultNS: "directory", resources: res });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lang = pickLang();
    $("province").addEventListener("change", function () { fillCities($("province").value, ""); query(false); });
    $("city").addEventListener("change", function () { query(false); });
    $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); query(false); });
    $("more").addEventListener("click", function () { query(true); });
    $("lang").addEventListener("click", function () {
      var next = document.documentElement.lang === "en" ? "zh-Hans" : "en";
      try { localStorage.setItem(LANG_KEY, next); } catch (e) { /* private mode: not remembered */ }
      loadLang(next).then(function () { applyStrings(next); query(false); });
    });
    loadLang(lang).then(function () { start(lang); }).catch(function (err) {
      $("status").textContent = "Error / 错误: " + err.message;
    });
  });
})();
