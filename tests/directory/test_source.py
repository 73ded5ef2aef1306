"""The national 2020 list as read: every city and clinic, counts per province equal to the file, phones parsed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fevermap.directory.phones import parse_phone_cell, place_area_code, with_area_code
from fevermap.directory.source import read_national_list
from fevermap.errors import FormatError

from .conftest import NATIONAL


def test_every_city_and_clinic_is_read_with_counts_per_province_as_in_the_file() -> None:
    doc = json.loads(NATIONAL.read_text(encoding="utf-8"))
    expected = Counter({p["province"]: sum(len(c["hospitalList"]) for c in p["cityList"]) for p in doc["provinceList"]})
    national = read_national_list(NATIONAL)
    assert Counter(e.province for e in national.entries) == expected
    assert len(national.entries) == 6753
    assert len(national.cities) == 369
    assert sum(c.entries for c in national.cities) == 6753
    assert len({e.id for e in national.entries}) == 6753
    # every entry whose published cell names a phone keeps it (as published), and most become dialable
    with_tel = [e for e in national.entries if e.extra["tel_as_published"]]
    assert len(with_tel) == 2798
    assert all(e.phones for e in with_tel)
    assert sum(any(p.e164 for p in e.phones) for e in with_tel) >= 2700


def test_ids_are_stable_across_reads() -> None:
    assert [e.id for e in read_national_list(NATIONAL).entries] == [e.id for e in read_national_list(NATIONAL).entries]


def test_golog_clinics_have_dialable_phones_with_the_area_code() -> None:
    national = read_national_list(NATIONAL)
    golog = [e for e in national.entries if e.city == "果洛藏族自治州"]
    assert golog and all(e.province == "青海省" for e in golog)
    assert {e.city_as_published for e in golog} == {"果洛州"}
    phones = [p for e in golog for p in e.phones]
    assert phones and all(p.e164 and p.e164.startswith("+86975") for p in phones)
    assert all(p.tel and p.tel.startswith("tel:+86-975-") for p in phones)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0975-8381790", [("+869758381790", "", "")]),
        ("0355—7835333", [("+863557835333", "", "")]),
        ("0712-2323036转8683", [("+867122323036", "", "8683")]),
        ("0315-7710068-5210", [("+863157710068", "", "5210")]),
        ("<白天>0358—7633272;<夜晚>0358—7629452", [("+863587633272", "白天", ""), ("+863587629452", "夜晚", "")]),
        ("0472-4113982（东河院）/0472-5254112（滨河院）/18248026688",
         [("+864724113982", "东河院", ""), ("+864725254112", "滨河院", ""), ("+8618248026688", "", "")]),
        ("0351—5656340（白天）0351—5656300（夜间）", [("+863515656340", "白天", ""), ("+863515656300", "夜间", "")]),
        ("15045953999 13304598271", [("+8615045953999", "", ""), ("+8613304598271", "", "")]),
        ("15647810446/15647810446", [("+8615647810446", "", "")]),
    ],
)  # fmt: skip
def test_published_phone_cells_are_parsed(cell: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(p.e164, p.label, p.extension) for p in parse_phone_cell(cell)] == expected


def test_a_local_number_gets_the_city_area_code_and_says_so() -> None:
    assert place_area_code("江苏省", "泰州市") == "523"
    assert place_area_code("北京市", "北京市") == "10"
    (local,) = parse_phone_cell("84611120")
    assert local.e164 is None and local.tel is None
    done = with_area_code(local, "523")
    assert done.e164 == "+8652384611120" and done.area_code_inferred
    # a number that is still not valid stays as published, not dialled
    (short,) = parse_phone_cell("0580-690001")
    assert with_area_code(short, "580").e164 is None


def test_a_file_of_another_shape_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "list.json"
    bad.write_text('{"cities": []}', encoding="utf-8")
    with pytest.raises(FormatError, match="provinceList"):
        read_national_list(bad)
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(FormatError, match="JSON"):
        read_national_list(bad)
