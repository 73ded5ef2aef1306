"""The page's language: the remembered choice, else the browser's ``Accept-Language``, else the region's default."""

from __future__ import annotations

#: Languages the page has catalogues for (``static/i18n/<lang>/``), as BCP 47 tags for ``<html lang>``.
LANGUAGES = ("zh-Hans", "en")
#: Time zones of regions whose default language is Simplified Chinese.
CHINESE_TIMEZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi",
                               "Asia/Kashgar", "PRC"})  # fmt: skip


def _match(tag: str) -> str | None:
    primary = tag.strip().lower().split("-")[0]
    return {"zh": "zh-Hans", "en": "en"}.get(primary)


def page_language(accept_language: str | None, region_timezone: str, chosen: str | None = None) -> str:
    """The language of the page (one of :data:`LANGUAGES`).

    Parameters
    ----------
    accept_language : str or None
        The request's ``Accept-Language`` header (``zh-CN,zh;q=0.9,en;q=0.8``); tags are taken by ``q`` value.
    region_timezone : str
        IANA time zone of the served region: Chinese regions default to ``zh-Hans``, others to ``en``.
    chosen : str or None
        The visitor's remembered choice (cookie ``fevermap_lang``), used when it is a known language.
    """
    if chosen in LANGUAGES:
        return str(chosen)
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = _match(tag)
        if lang is not None and q > 0:
            ranked.append((-q, i, lang))
    if ranked:
        return min(ranked)[2]
    return "zh-Hans" if region_timezone in CHINESE_TIMEZONES else "en"
