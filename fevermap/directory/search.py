"""Search keys for the directory: Chinese text with its pinyin and initials, and province/city name matching.

Examples
--------
>>> search_key("果洛州人民医院", "玛沁县")
'果洛州人民医院玛沁县 guoluozhourenminyiyuan glzrmyy'
>>> place_stem("果洛藏族自治州"), place_stem("青海省"), place_stem("北京")
('果洛', '青海', '北京')
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

#: Administrative suffixes, longest first (自治区 before 区).
_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "藏族自治州",
    "彝族自治州",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
    "州",
    "县",
    "区",
)
_PEOPLES = "藏族|彝族|蒙古族|哈萨克|回族|苗族|侗族|土家族|布依族|白族|傣族|景颇族|傈僳族|壮族|朝鲜族|羌族|哈尼族"
_ETHNIC = re.compile(f"({_PEOPLES})+$")
_SPACE = re.compile(r"[\s·・'’-]+")


def pinyin(text: str) -> str:
    """Pinyin of ``text`` without tones or spaces, lower case (``果洛`` -> ``guoluo``)."""
    return "".join(lazy_pinyin(text)).lower()


def initials(text: str) -> str:
    """First letters of each syllable (``果洛`` -> ``gl``)."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def search_key(name: str, *plain: str) -> str:
    """``name`` and the ``plain`` texts, then the pinyin and the initials of ``name``, for substring search.

    Only the name gets pinyin (addresses are searched in Chinese): pinyin conversion is the import's main cost.
    """
    syllables = [s.lower() for s in lazy_pinyin(name)]
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    text = "".join(t for t in (name, *plain) if t)
    return " ".join(part for part in (text, "".join(syllables), initials) if part)


def normalise_query(q: str) -> str:
    """A query as matched against :func:`search_key` (lower case; spaces and apostrophes of pinyin removed)."""
    return _SPACE.sub("", q.strip().lower())


def place_stem(name: str) -> str:
    """A province or city name without its administrative suffix, for matching short forms (``果洛州``)."""
    stem = name.strip()
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            stem = stem[: -len(suffix)]
            break
    return _ETHNIC.sub("", stem) or stem
