"""Locale-aware formatting for templates: phone numbers, addresses, dates and numbers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from app.rendering.model import locale_chain


def babel_locale(locale: str) -> Locale:
    """The Babel locale for a BCP 47 tag, falling back along its chain to English."""
    for candidate in locale_chain(locale):
        try:
            return Locale.parse(candidate, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return Locale("en")


def format_phone(number: str, country: str) -> str:
    """National format for a number of the partner's own country, international otherwise.

    A number that phonenumbers cannot parse, that is not a valid number, or of a partner whose
    country is unknown (so neither format can be chosen), is shown as given.
    """
    if not number or not country:
        return number
    try:
        parsed = phonenumbers.parse(number, country.upper() or None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    same_country = phonenumbers.region_code_for_number(parsed) == country.upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(parsed, style))


def address_lines(address: str, country: str) -> list[str]:
    """The address as lines: the partner's comma-separated parts, in the order it wrote them.

    Partners give their address as they write it locally (Japanese addresses start with the
    postcode and prefecture, German ones put the postcode before the city), so the order is
    the country's own; Cobrand only breaks it into lines.
    """
    return [part.strip() for part in address.split(",") if part.strip()]


def format_date(value: date | datetime | str, locale: str, format: str = "long") -> str:
    """A date in the locale's own format ("1. Dezember 2026", "2026年12月1日")."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return str(babel_format_date(value, format=format, locale=babel_locale(locale)))


def format_number(value: float | int | str | Decimal, locale: str) -> str:
    """A number with the locale's separators ("1.234,5" in German)."""
    number = Decimal(value) if isinstance(value, str) else value
    return str(format_decimal(number, locale=babel_locale(locale)))
