"""How a publish's partners are split into batches: a locale's partners together where they fit."""

from __future__ import annotations

from app.publishing import batches_by_locale


def test_each_locale_in_one_batch_when_it_fits() -> None:
    locales = {1: "en", 2: "en-US", 3: "en-US", 4: "en-CA", 5: "fr-FR", 6: "de-DE", 7: "en",
               8: "en", 9: "en-AU", 10: "en-SG", 11: "ja-JP", 12: "en-US"}  # fmt: skip
    batches = batches_by_locale(list(locales), locales, 4)
    assert len(batches) == 3
    assert sorted(p for batch in batches for p in batch) == list(locales)
    assert all(len(batch) <= 4 for batch in batches)
    for locale in set(locales.values()):
        assert sum(1 for batch in batches if any(locales[p] == locale for p in batch)) == 1, locale


def test_a_large_locale_fills_whole_batches_and_its_rest_shares_one() -> None:
    locales = {i: "en" for i in range(1, 24)} | {30: "fr", 31: "fr", 32: "de"}
    batches = batches_by_locale(list(locales), locales, 10)
    assert batches[:2] == [list(range(1, 11)), list(range(11, 21))]
    assert batches[2:] == [[21, 22, 23, 30, 31, 32]]
