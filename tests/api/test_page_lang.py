"""The page's language: remembered choice, then Accept-Language by q, then the region's default."""

from __future__ import annotations

import pytest

from fevermap.api.page_lang import page_language


@pytest.mark.parametrize(
    ("header", "tz", "chosen", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "Europe/Andorra", None, "zh-Hans"),
        ("en-US,en;q=0.9", "Asia/Shanghai", None, "en"),
        ("fr-FR,en;q=0.5,zh;q=0.7", "Europe/Andorra", None, "zh-Hans"),
        ("zh-TW", "Europe/Andorra", None, "zh-Hans"),
        ("zh;q=0,en", "Asia/Shanghai", None, "en"),
        (None, "Asia/Shanghai", None, "zh-Hans"),
        ("", "Europe/Andorra", None, "en"),
        ("fr", "Asia/Shanghai", None, "zh-Hans"),
        ("zh-CN", "Asia/Shanghai", "en", "en"),
        ("en", "Asia/Shanghai", "xx", "en"),
        ("en;q=abc,zh", "Europe/Andorra", None, "zh-Hans"),
    ],
)
def test_page_language(header: str | None, tz: str, chosen: str | None, expected: str) -> None:
    assert page_language(header, tz, chosen) == expected
