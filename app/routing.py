"""URL converters: a number in a URL that no row can have is a missing page, not an error."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# Every id column is a 32-bit Integer (PostgreSQL's `integer`); the OpenAPI document
# gives the same maximum for ids in paths.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` for the whole app: a number above MAX_ID matches no route (404) instead of
    reaching the database, where 2^63 and more overflow the driver."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def register(app: Flask) -> None:
    """Must run before any blueprint adds its rules: a rule binds its converter when added."""
    app.url_map.converters["int"] = IdConverter
