"""schema.org structured data as job pages publish it, made into plain JobPosting-shaped
dicts (pure): `@id` references resolved within the page (WordPress/Yoast-style `@graph`
nodes, across the page's blocks), RDFa's expanded JSON-LD compacted to schema.org names,
`@type` as a string, a URL or a list.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
MAX_DEPTH = 8  # nesting kept when resolving references; deeper is a cycle or a runaway


def type_names(node: Mapping) -> set[str]:
    """The node's types as bare names: "JobPosting" for "https://schema.org/JobPosting",
    "schema:JobPosting" or ["JobPosting", "Thing"]."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if isinstance(k, str)}


def is_job_posting(node: Any) -> bool:
    return isinstance(node, Mapping) and "JobPosting" in type_names(node)


def _key(value: Any, base_url: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return urljoin(base_url, value) if base_url and not value.startswith("_:") else value


def node_index(values: Iterable[Any], base_url: str | None = None) -> dict[str, dict]:
    """Every node with an `@id` and more than that (a definition, not a reference), in
    the page's blocks, at any depth; the first definition of an id wins."""
    index: dict[str, dict] = {}

    def walk(value: Any, depth: int) -> None:
        if depth > MAX_DEPTH * 2:
            return
        if isinstance(value, list):
            for child in value:
                walk(child, depth + 1)
        elif isinstance(value, Mapping):
            key = _key(value.get("@id"), base_url)
            if key and set(value) - {"@id", "@context"}:
                index.setdefault(key, dict(value))
            for child in value.values():
                walk(child, depth + 1)

    for value in values:
        walk(value, 0)
    return index


def is_reference(value: Any) -> bool:
    """{"@id": "#org"}: a pointer to a node defined elsewhere on the page."""
    return isinstance(value, Mapping) and "@id" in value and not set(value) - {"@id"}


def resolve(value: Any, index: Mapping[str, dict], base_url: str | None = None,
            depth: int = 0, seen: frozenset[str] = frozenset()) -> Any:
    """`value` with each reference replaced by a copy of the node it names (a reference the
    page does not define stays as it is, for the reader to report)."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [resolve(v, index, base_url, depth + 1, seen) for v in value]
    if not isinstance(value, Mapping):
        return value
    key = _key(value.get("@id"), base_url)
    if is_reference(value):
        if key not in index or key in seen:  # undefined, or a node that contains itself
            return dict(value)
        value, seen = index[key], seen | {key}
    elif key:
        seen = seen | {key}
    return {k: resolve(v, index, base_url, depth + 1, seen) for k, v in value.items()}


def job_postings(value: Any, depth: int = 0) -> Iterator[dict]:
    """JobPostings anywhere in a JSON-LD value: top level, @graph, ItemList, arrays."""
    if depth > 6:
        return
    if isinstance(value, list):
        for child in value:
            yield from job_postings(child, depth + 1)
    elif isinstance(value, Mapping):
        if is_job_posting(value):
            yield dict(value)
            return
        for key in ("@graph", "itemListElement", "item", "mainEntity"):
            if key in value:
                yield from job_postings(value[key], depth + 1)


# ----------------------------------------------------------------------- RDFa --

def _short(name: str) -> str | None:
    for prefix in SCHEMA_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return None


def _compact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        if "@value" in value:
            return value["@value"]
        return compact_node(value)
    return value


def compact_node(node: Mapping) -> dict:
    """An expanded JSON-LD node (as RDFa gives it: full IRIs, every value a list of
    {"@value"} or {"@id"}) with schema.org's short names and single values unwrapped."""
    out: dict[str, Any] = {}
    for name, value in node.items():
        if name in ("@id", "@type"):
            out[name] = value
            continue
        short = _short(name)
        if short is None:
            continue  # another vocabulary (rdfa:usesVocabulary...): nothing a job needs
        values = [_compact_value(v) for v in (value if isinstance(value, list) else [value])]
        out[short] = values[0] if len(values) == 1 else values
    return out


def without_blank_ids(value: Any) -> Any:
    """Blank-node ids ("_:N4f..." are new on every parse) removed, so that an unchanged
    page gives an unchanged item and is not taken for an edit."""
    if isinstance(value, list):
        return [without_blank_ids(v) for v in value]
    if isinstance(value, Mapping):
        return {k: without_blank_ids(v) for k, v in value.items()
                if not (k == "@id" and isinstance(v, str) and v.startswith("_:"))}
    return value


def rdfa_postings(nodes: list, base_url: str | None) -> list[dict]:
    """The JobPostings of an RDFa extraction, each with its linked nodes filled in."""
    compacted = [compact_node(n) for n in nodes if isinstance(n, Mapping)]
    index = node_index(compacted, base_url)
    return [without_blank_ids(resolve(copy.deepcopy(n), index, base_url))
            for n in compacted if is_job_posting(n)]
