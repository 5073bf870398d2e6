"""`Memo`: a bounded cache of a pure function that results worked out elsewhere can fill."""

from __future__ import annotations

import threading

from alertbot.memo import Memo, memo


def test_a_result_is_computed_once_and_remembered_ones_are_not_computed() -> None:
    calls: list[str] = []

    @memo(maxsize=10)
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
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    cache = Memo(square, maxsize=3)
    for n in (1, 2, 3, 4):
        cache(n)
    assert len(cache) == 3
    calls.clear()
    assert [cache(n) for n in (2, 3, 4)] == [4, 9, 16]
    assert calls == []  # the three newest are kept
    assert cache(1) == 1
    assert calls == [1]  # the oldest was evicted and is computed again
    cache.cache_clear()
    assert len(cache) == 0


def test_threads_filling_one_memo_never_break_it() -> None:
    cache: Memo[int, int] = Memo(lambda n: n + 1, maxsize=50)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(offset, offset + 20_000):
                assert cache(n % 997) == n % 997 + 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k * 7,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50
