"""Babel extraction of texts kept in data files (YAML lists), so that they can be translated.

A data file such as seed/data/corridors.yaml or app/data/cost_items.yaml is a list of
entries; babel.cfg names the fields a reader sees (`fields = label help`), and each entry's
value of those fields becomes a message, shown through the `translated` filter.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml


def extract_yaml_fields(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                        options: dict[str, str]) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: (line, function name, message, comments) per text."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    fields = options.get("fields", "").split()
    starts = [number for number, line in enumerate(text.splitlines(), start=1)
              if line.startswith("- ")]
    for index, entry in enumerate(yaml.safe_load(text) or ()):
        line = starts[index] if index < len(starts) else 0
        for field in fields:
            if isinstance(entry, dict) and entry.get(field):
                yield line, None, str(entry[field]), [f"{entry.get('id') or entry.get('code')}: {field}"]
