"""The catalogue of recruitment costs every posting must disclose (a data file)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data" / "cost_items.yaml"


@dataclass(frozen=True)
class CostItem:
    id: str
    label: str
    help: str
    ad_words: tuple[str, ...] = ()  # how an ad's own words name this cost


@cache
def cost_items() -> tuple[CostItem, ...]:
    with DATA.open(encoding="utf-8") as fh:
        return tuple(CostItem(**{**entry, "ad_words": tuple(entry.get("ad_words", ()))})
                     for entry in yaml.safe_load(fh))


def cost_item_ids() -> tuple[str, ...]:
    return tuple(item.id for item in cost_items())


def cost_label(item_id: str) -> str:
    """The label of a cost item, translated; an unknown id is shown as it is."""
    from flask_babel import gettext

    for item in cost_items():
        if item.id == item_id:
            return gettext(item.label)
    return item_id
