"""Text fitting: shrink, then wrap, then ellipsis at a word boundary; never overflow."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rendering.fonts import FontStack
from app.rendering.textfit import ELLIPSIS, fit_text, load_font
from tests.factories import BOLD

STACK = FontStack.single(BOLD)


def fits(result, width: float, height: float, line_height: float) -> bool:
    font = load_font(BOLD, result.size)
    return (
        all(font.getlength(line) <= width for line in result.lines)
        and len(result.lines) * result.size * line_height <= height + 1e-6
    )


def test_short_text_keeps_its_size() -> None:
    result = fit_text("Acme", fonts=STACK, width=200, height=30, max_size=20, min_size=10)
    assert (result.size, result.lines, result.truncated, result.shrunk) == (20, ("Acme",), False, False)


def test_shrinks_before_wrapping() -> None:
    result = fit_text("Acme Reseller Network", fonts=STACK, width=200, height=60, max_size=20, min_size=10)
    assert len(result.lines) == 1 and 10 <= result.size < 20


def test_wraps_at_the_minimum_size_when_shrinking_is_not_enough() -> None:
    text = "Great Lakes Regional Cybersecurity & Managed Network Services Cooperative, Inc."
    result = fit_text(text, fonts=STACK, width=200, height=50, max_size=20, min_size=10)
    assert len(result.lines) > 1 and not result.truncated and " ".join(result.lines) == text


def test_ends_with_an_ellipsis_at_a_word_boundary() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve"
    result = fit_text(text, fonts=STACK, width=120, height=14, max_size=12, min_size=10)
    assert result.truncated and result.lines[-1].endswith(ELLIPSIS)
    kept = result.lines[-1].removesuffix(ELLIPSIS).split(" ")
    assert all(word in text.split(" ") for word in kept)


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÄÖÜßΣЖ &-.,WWWM "), min_size=1, max_size=160
    ),
    width=st.integers(40, 600),
    height=st.integers(12, 200),
)
def test_never_overflows(text: str, width: int, height: int) -> None:
    result = fit_text(text, fonts=STACK, width=width, height=height, max_size=24, min_size=9, line_height=1.2)
    font = load_font(BOLD, result.size)
    assert all(font.getlength(line) <= width for line in result.lines)
    # At least one line is always shown, even in a box shorter than a line at the minimum size.
    assert len(result.lines) <= max(1, int(height / (result.size * 1.2) + 1e-6))
