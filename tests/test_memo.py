"""`Memo`: a bounded cache of a pure function that results worked out elsewhere can fill."""

from __future__ import annotations

import threading

from alertbot.memo import Memo, memo


def test_a_result_is_computed_once_and_remembered_ones_are_not_computed() -> None:
    calls: list[str] = []

    @memo(maxsize=10, max_length=100)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert shout("baku") == shout("baku") == "BAKU"
    assert calls == ["baku"]
    shout.remember("yerevan", "YEREVAN")
    assert shout("yerevan") == "YEREVAN"
    assert calls == ["baku"]  # handed in: never computed here
    assert shout.__wrapped__("x") == "X" and shout.__doc__ is None


def test_the_oldest_result_goes_first_when_full() -> None:
    calls: list[str] = []

    def double(text: str) -> str:
        calls.append(text)
        return text * 2

    cache = Memo(double, maxsize=3, max_length=100)
    for text in "abcd":
        cache(text)
    assert len(cache) == 3
    calls.clear()
    assert [cache(text) for text in "bcd"] == ["bb", "cc", "dd"]
    assert calls == []  # the three newest are kept
    assert cache("a") == "aa"
    assert calls == ["a"]  # the oldest was evicted and is computed again
    cache.cache_clear()
    assert len(cache) == 0


def test_long_keys_are_computed_each_time_never_kept() -> None:
    calls: list[int] = []

    def size(text: str) -> int:
        calls.append(len(text))
        return len(text)

    cache = Memo(size, maxsize=10, max_length=5)
    assert cache("x" * 6) == cache("x" * 6) == 6
    cache.remember("y" * 6, 6)
    assert calls == [6, 6] and len(cache) == 0  # a hostile 5 MB text is not held
    assert cache("short") == cache("short") == 5
    assert calls == [6, 6, 5] and len(cache) == 1


def test_threads_filling_one_memo_never_break_it() -> None:
    cache: Memo[int] = Memo(len, maxsize=50, max_length=100)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(offset, offset + 20_000):
                assert cache("x" * (n % 97)) == n % 97
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k * 7,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50
