"""Phone cells of the national list as published, parsed into dialable numbers with their labels and extensions.

The list writes numbers in many ways: ``0975-8381790``, ``0355—7835333`` (a dash of another kind), several in one
cell (``0472-4113982（东河院）/0472-5254112（滨河院）/18248026688``), labels in angle brackets
(``<白天>0358—7633272;<夜晚>0358—7629452``), extensions (``0712-2323036转8683``) and, for some cities, local
numbers without the area code (``89880120``). Each part becomes a :class:`DirectoryPhone`; a local number gets the
city's area code (from libphonenumber's geocoding data, else the one the city's other numbers use), and says so
(``area_code_inferred``); a part that is still
not a valid number keeps its text with ``e164=None`` (shown, not dialled).

Examples
--------
>>> [p.e164 for p in parse_phone_cell("0472-4113982（东河院）/18248026688")]
['+864724113982', '+8618248026688']
>>> parse_phone_cell("0712-2323036转8683")[0].extension
'8683'
>>> parse_phone_cell("<夜晚>0358—7629452")[0].label
'夜晚'
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder

from fevermap.clinics.phones import display_phone, tel_uri

_DASHES = re.compile(r"[—–－‐‑‒―~～]")
_SPLIT = re.compile(r"[/;,、，；|]|\s{2,}|或")
_LABEL = re.compile(r"[<《〈(（【\[]\s*([^>》〉)）】\]]*?)\s*[>》〉)）】\]]")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\s*(\d{1,6})\s*$", re.IGNORECASE)
#: ``0315-7710068-5210``: area code, number, then an extension after another hyphen.
_HYPHEN_EXTENSION = re.compile(r"^(0\d{2,3}-\d{7,8})-(\d{1,5})$")
#: A label in brackets after a number, followed directly by the next number: split there.
_AFTER_LABEL = re.compile(r"([)）】\]])\s*(?=[<《〈\d])")
_DIGITS = re.compile(r"[\d\-\s+]+")


@dataclass(frozen=True)
class DirectoryPhone:
    """One number of a directory entry.

    ``raw`` is the text as published; ``e164`` the number in E.164 (``None`` when it is not a valid number);
    ``label`` the published label (``白天``, ``东河院``) or ``""``; ``extension`` digits to dial after connecting.
    """

    raw: str
    e164: str | None
    label: str = ""
    extension: str = ""
    area_code_inferred: bool = False

    @property
    def tel(self) -> str | None:
        """RFC 3966 ``tel:`` URI (with ``;ext=`` where the number has an extension)."""
        if self.e164 is None:
            return None
        return tel_uri(self.e164) + (f";ext={self.extension}" if self.extension else "")

    def to_dict(self) -> dict[str, object]:
        return {
            "raw": self.raw,
            "e164": self.e164,
            "display": display_phone(self.e164) if self.e164 else self.raw,
            "tel": self.tel,
            "label": self.label,
            "extension": self.extension,
            "area_code_inferred": self.area_code_inferred,
        }


def _parse_part(part: str) -> DirectoryPhone | None:
    raw = part.strip()
    if not raw:
        return None
    labels = [m.group(1).strip() for m in _LABEL.finditer(raw) if m.group(1).strip()]
    text = _DASHES.sub("-", _LABEL.sub(" ", raw)).strip()
    ext = ""
    m = _EXTENSION.search(text)
    if m:
        ext, text = m.group(1), text[: m.start()]
    digits = "".join(_DIGITS.findall(text)).strip(" -")
    m = _HYPHEN_EXTENSION.match(digits.replace(" ", ""))
    if m and not ext:
        digits, ext = m.group(1), m.group(2)
    label = " ".join(labels) or re.sub(r"[\d\-\s+:：]", "", text)
    if not digits:
        return None
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return DirectoryPhone(raw, None, label, ext)
    if not phonenumbers.is_valid_number(number):
        return DirectoryPhone(raw, None, label, ext)
    return DirectoryPhone(raw, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), label, ext)


def parse_phone_cell(cell: str) -> list[DirectoryPhone]:
    """Every number in one published phone cell, in order, duplicates dropped (see the module examples)."""
    out: list[DirectoryPhone] = []
    seen: set[str] = set()
    for part in _SPLIT.split(_AFTER_LABEL.sub(r"\1/", cell or "")):
        phone = _parse_part(part)
        if phone is None:
            continue
        if phone.e164 is None and len(part.split()) > 1:  # "15045953999 13304598271": two numbers, one space
            subs = [p for p in (_parse_part(x) for x in part.split()) if p is not None]
            if subs and all(p.e164 for p in subs):
                for sub in subs:
                    if sub.e164 not in seen:
                        seen.add(sub.e164 or "")
                        out.append(sub)
                continue
        key = (phone.e164 or phone.raw) + "#" + phone.extension
        if key not in seen:
            seen.add(key)
            out.append(phone)
    return out


def area_code(e164: str) -> str | None:
    """The national area code of a Chinese landline in E.164 (``+869758381790`` -> ``975``), else None."""
    number = phonenumbers.parse(e164, None)
    if number.country_code != 86 or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.FIXED_LINE:
        return None
    national = str(number.national_number)
    length = phonenumbers.length_of_geographical_area_code(number)
    return national[:length] if length else None


@lru_cache(maxsize=1)
def _area_codes_by_place() -> dict[str, str]:
    """``{"江苏省泰州市": "523", "北京市": "10", ...}`` from libphonenumber's own geocoding data (zh)."""
    out: dict[str, str] = {}
    for code in [*range(10, 30), *range(310, 1000)]:
        for length, lead in itertools.product((8, 7), "68523"):
            number = phonenumbers.parse(f"0{code}{lead}{'1234567'[: length - 1]}", "CN")
            if phonenumbers.is_valid_number(number):
                place = geocoder.description_for_number(number, "zh")
                if place:
                    out.setdefault(place, str(code))
                break
    return out


def place_area_code(province: str, city: str) -> str | None:
    """The area code libphonenumber gives the city (``("青海省", "果洛藏族自治州")`` -> ``975``), or None."""
    places = _area_codes_by_place()
    return places.get(province + city) or places.get(city)


def city_area_code(phones: list[DirectoryPhone]) -> str | None:
    """The area code most of a city's valid landlines use (ties: the smaller code), or None."""
    codes = Counter(c for p in phones if p.e164 and (c := area_code(p.e164)))
    if not codes:
        return None
    return min(codes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def with_area_code(phone: DirectoryPhone, code: str | None) -> DirectoryPhone:
    """``phone`` completed with ``code`` when it is a 7-8 digit local number that only then becomes valid."""
    if phone.e164 is not None or code is None:
        return phone
    digits = re.sub(r"\D", "", _EXTENSION.sub("", _DASHES.sub("-", _LABEL.sub(" ", phone.raw))))
    if not 7 <= len(digits) <= 8 or digits.startswith(("0", "1")):
        return phone
    number = phonenumbers.parse("0" + code + digits, "CN")
    if not phonenumbers.is_valid_number(number):
        return phone
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return replace(phone, e164=e164, area_code_inferred=True)
