"""The OpenAPI document, kept as a data file and served with this server's URL."""
from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import url_for

SPEC = Path(__file__).with_name("openapi.yaml")


@cache
def _spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def openapi_document() -> dict[str, Any]:
    document = copy.deepcopy(_spec())
    document["servers"] = [{"url": url_for("api.corridors", _external=True).rsplit("/", 1)[0]}]
    return document
