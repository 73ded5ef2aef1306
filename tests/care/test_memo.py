"""The bounded memo: kept per owner and key, rebuilt for other owners, started afresh past its size."""

from __future__ import annotations

from fevermap.care._memo import Memo


class Owner:
    pass


def test_kept_per_owner_and_extra_key() -> None:
    memo: Memo[int] = Memo(4)
    a, b = Owner(), Owner()
    calls: list[str] = []

    def build(tag: str, value: int) -> int:
        calls.append(tag)
        return value

    assert memo.get((a,), lambda: build("a", 1)) == 1
    assert memo.get((a,), lambda: build("a again", 9)) == 1
    assert memo.get((b,), lambda: build("b", 2)) == 2
    assert memo.get((a,), lambda: build("a, 24 m", 3), 24.0) == 3  # another key for the same owner
    assert memo.get((a, b), lambda: build("a and b", 4)) == 4
    assert calls == ["a", "b", "a, 24 m", "a and b"]


def test_bounded() -> None:
    memo: Memo[int] = Memo(2)
    owners = [Owner() for _ in range(5)]
    for i, o in enumerate(owners):
        memo.get((o,), lambda i=i: i)
    assert len(memo._items) <= 2
    assert memo.get((owners[-1],), lambda: -1) == 4  # the newest is still there
