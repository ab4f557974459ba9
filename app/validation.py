"""Reads untrusted input (a form or a JSON body) field by field, collecting errors.

Every reader returns the cleaned value or None and records a reason that names
the field; `finish()` raises one ValidationError holding all of them.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import available_timezones

import pycountry
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError

MAX_TEXT = 20_000
# Commas as people type them: Latin, Arabic (U+060C), ideographic and full-width.
LIST_SEPARATORS = re.compile("[,\u060c\u3001\uff0c]")
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on every database


def _storable(text: str) -> bool:
    """False for text no database should get: NUL, or lone surrogates (invalid UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class InputReader:
    """Validate fields of one submission; see the module docstring."""

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        self.errors: dict[str, str] = {}
        if data is not None and not isinstance(data, Mapping):
            self.errors["body"] = str(_l("must be an object with named fields"))

    def error(self, name: str, reason: Any) -> None:
        self.errors.setdefault(name, str(reason))

    def finish(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def _raw(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.error(name, _l("is required"))
            return None
        return value

    def text(self, name: str, *, required: bool = True, max_len: int = 200,
             min_len: int = 0) -> str | None:
        value = self._raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, _l("must be text"))
            return None
        if not _storable(value):
            self.error(name, _l("contains a forbidden character"))
            return None
        if len(value) > max_len:
            self.error(name, _l("is too long (at most %(n)d characters)", n=max_len))
            return None
        if len(value) < min_len:
            self.error(name, _l("is too short (at least %(n)d characters)", n=min_len))
            return None
        return value

    def integer(self, name: str, *, required: bool = True, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        value = self._raw(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.error(name, _l("must be a whole number"))
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(name, _l("must be a whole number"))
            return None
        return self._bounded(name, number, minimum, maximum)

    def decimal(self, name: str, *, required: bool = True, positive: bool = False,
                maximum: int | None = None) -> Decimal | None:
        value = self._raw(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.error(name, _l("must be a number"))
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(name, _l("must be a number"))
            return None
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            self.error(name, _l("must be a number"))
            return None
        if not number.is_finite():
            self.error(name, _l("must be a number"))
            return None
        if maximum is not None and number > maximum:
            self.error(name, _l("must be at most %(n)s", n=maximum))
            return None
        try:
            number = number.quantize(Decimal("0.01"))  # stored with two decimals
        except InvalidOperation:  # too many digits to hold
            self.error(name, _l("must be a number"))
            return None
        if positive and number <= 0:
            self.error(name, _l("must be greater than zero"))
            return None
        return number

    def date(self, name: str, *, required: bool = True,
             not_before: dt.date | None = None) -> dt.date | None:
        value = self._raw(name, required)
        if value is None:
            return None
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                self.error(name, _l("must be a date written YYYY-MM-DD"))
                return None
        else:
            self.error(name, _l("must be a date written YYYY-MM-DD"))
            return None
        if not_before is not None and day < not_before:
            self.error(name, _l("must not be in the past"))
            return None
        return day

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str | None:
        value = self._raw(name, required)
        if value is None:
            return None
        allowed = list(choices)
        if not isinstance(value, str) or value not in allowed:
            self.error(name, _l("must be one of: %(choices)s", choices=", ".join(allowed)))
            return None
        return value

    def boolean(self, name: str) -> bool:
        value = self.data.get(name)
        if value in (None, "", False, "0", "false", "off", "n", "no"):
            return False
        if value in (True, "1", "true", "on", "y", "yes"):
            return True
        self.error(name, _l("must be true or false"))
        return False

    def currency(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_len=3)
        if value is None:
            return None
        if pycountry.currencies.get(alpha_3=value.upper()) is None:
            self.error(name, _l("is not an ISO 4217 currency code"))
            return None
        return value.upper()

    def country(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_len=2)
        if value is None:
            return None
        if pycountry.countries.get(alpha_2=value.upper()) is None:
            self.error(name, _l("is not an ISO 3166-1 country code"))
            return None
        return value.upper()

    def string_list(self, name: str, *, required: bool = False, max_items: int = 30,
                    item_max_len: int = 80) -> list[str]:
        """A list given as a JSON array or as text separated by commas (in any script)."""
        value = self._raw(name, required)
        if value is None:
            return []
        if isinstance(value, str):
            value = LIST_SEPARATORS.split(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(name, _l("must be a list of text items"))
            return []
        items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
        if len(items) > max_items:
            self.error(name, _l("has too many items (at most %(n)d)", n=max_items))
            return []
        if any(len(v) > item_max_len or not _storable(v) for v in items):
            self.error(name, _l("has an item that is too long (at most %(n)d characters)",
                                n=item_max_len))
            return []
        if required and not items:
            self.error(name, _l("is required"))
        return items

    def timezone(self, name: str, *, required: bool = True) -> str | None:
        """An IANA time-zone name such as Asia/Kathmandu."""
        value = self.text(name, required=required, max_len=64)
        if value is None:
            return None
        if value not in available_timezones():
            self.error(name, _l("is not a known time zone (e.g. Asia/Kathmandu)"))
            return None
        return value

    def languages(self, name: str, *, required: bool = False) -> list[str]:
        codes = [c.lower() for c in self.string_list(name, required=required, item_max_len=3)]
        unknown = [c for c in codes if pycountry.languages.get(alpha_2=c) is None]
        if unknown:
            self.error(name, _l("has unknown ISO 639-1 language codes: %(codes)s",
                                codes=", ".join(unknown)))
            return []
        return codes

    def _bounded(self, name: str, number: int, minimum: int | None,
                 maximum: int | None) -> int | None:
        if minimum is not None and number < minimum:
            self.error(name, _l("must be at least %(n)d", n=minimum))
            return None
        if maximum is not None and number > maximum:
            self.error(name, _l("must be at most %(n)d", n=maximum))
            return None
        return number
