"""Babel extraction of the corridors' descriptions (seed/data/corridors.yaml), so that a
worker reads what their corridor's page says about it in their own language."""
from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml


def extract_corridors(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: Any) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: (line, function name, message, comments) per description."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = {line.strip().removeprefix("- code:").strip(): number
             for number, line in enumerate(text.splitlines(), start=1)
             if line.startswith("- code:")}
    for corridor in yaml.safe_load(text) or ():
        if corridor.get("description"):
            yield (lines.get(corridor.get("code"), 0), None, corridor["description"],
                   [f"corridor {corridor.get('code')}: description"])
