"""Read a fetched document into job items shaped like schema.org JobPosting (pure).

HTML pages give their JSON-LD, microdata and RDFa (extruct; see linkeddata.py), feeds
their entries (feedparser), CSV files their rows and JSON files their objects; CSV, JSON
and feed fields are renamed with the source's mappings. A document that cannot be read at
all raises ParseError; one bad item becomes a ParsedItem with an `error` and the others are
still read.
"""
from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree
from extruct.jsonld import JsonLdExtractor
from extruct.rdfa import RDFaExtractor
from extruct.uniform import _umicrodata_microformat
from extruct.utils import parse_html, parse_xmldom_html
from extruct.w3cmicrodata import MicrodataExtractor

from app.aggregation import linkeddata

# Our field names, which a source's mappings may point at its own column or key names.
FIELDS = ("title", "description", "employer", "employer_website", "country", "city", "origin",
          "salary", "salary_min", "salary_max", "currency", "period", "hours", "benefits",
          "valid_through", "date_posted", "url", "id")
MAPPING_KEYS = FIELDS + ("items_path",)
# Where feeds usually carry job fields that RSS/Atom have no element for.
FEED_DEFAULTS = {
    "employer": ("job_employer", "employer", "author"),
    "salary": ("job_salary", "salary"),
    "country": ("job_country", "country", "job_location"),
    "origin": ("job_origin", "origin"),
    "valid_through": ("job_validthrough", "job_valid_through", "validthrough", "expires"),
    "hours": ("job_hours", "workhours"),
    "benefits": ("job_benefits", "benefits"),
}
MAX_ITEMS = 20_000  # per document; more is a runaway export, not a job board


class ParseError(ValueError):
    """The whole document is unreadable (not a feed, not JSON, no header row...)."""


@dataclass
class ParsedItem:
    """One job item: JobPosting-shaped `fields`, the `raw` item as published, or an `error`."""

    label: str
    fields: dict[str, Any]
    raw: Any
    error: str = ""


def _label(n: int, fields: Mapping, what: str = "item") -> str:
    title = fields.get("title") if isinstance(fields, Mapping) else None
    text = f"{what} {n}"
    return f"{text} ({title.strip()[:60]})" if isinstance(title, str) and title.strip() else text


def parse_html_page(body: bytes, *, base_url: str | None = None,
                    encoding: str | None = None) -> list[ParsedItem]:
    """Every JobPosting a page marks up: JSON-LD blocks first, then microdata and RDFa
    (a posting the page states in two syntaxes counts once); a broken block is one bad
    item and the others are still read."""
    try:
        tree = parse_html(body, encoding or "UTF-8")
    except (lxml.etree.ParserError, ValueError) as error:
        raise ParseError(f"not an HTML page ({error})") from None
    if tree is None:
        raise ParseError("an empty page")
    items, taken = _jsonld_items(tree, base_url), set()
    for item in items:
        taken.add(_posting_key(item.fields))
    for what, postings in (("microdata item", _microdata(tree, base_url)),
                           ("RDFa item", _rdfa(tree, body, base_url, encoding))):
        if isinstance(postings, ParsedItem):  # that syntax could not be read
            items.append(postings)
            continue
        for n, posting in enumerate(postings, 1):
            key = _posting_key(posting)
            if key not in taken:
                taken.add(key)
                items.append(_posting_item(_label(n, posting, what), posting, base_url))
    return items[:MAX_ITEMS]


def _posting_item(label: str, posting: dict, base_url: str | None) -> ParsedItem:
    if base_url and isinstance(posting.get("url"), str):
        posting["url"] = urljoin(base_url, posting["url"].strip())
    return ParsedItem(label, posting, posting)


def _posting_key(posting: Mapping) -> tuple:
    """What makes two markups of one page the same posting: its identifier, else its URL
    and title (the same job in JSON-LD and in microdata)."""
    ident = posting.get("identifier")
    if isinstance(ident, Mapping):
        ident = ident.get("value") or ident.get("name")
    title = posting.get("title") or posting.get("name")
    return (str(ident) if ident else "", str(posting.get("url") or ""),
            " ".join(str(title).split()).casefold() if title else "")


def _jsonld_items(tree: Any, base_url: str | None) -> list[ParsedItem]:
    """The JSON-LD blocks' postings, with `@id` references resolved across all blocks."""
    extractor, blocks = JsonLdExtractor(), []
    for block, script in enumerate(tree.xpath('//script[@type="application/ld+json"]'), 1):
        try:
            blocks.append(extractor.extract_items(script))
        except ValueError as error:  # json.JSONDecodeError, or jstyleson's
            blocks.append(ParsedItem(f"JSON-LD block {block}", {},
                                     script.text_content()[:5000], f"broken JSON-LD: {error}"))
    good = [b for b in blocks if not isinstance(b, ParsedItem)]
    index, seen, items = linkeddata.node_index(good, base_url), set(), []
    for block in blocks:  # in the page's order, so that labels follow it
        if isinstance(block, ParsedItem):
            items.append(block)
            continue
        for posting in linkeddata.job_postings(block):
            node_id = posting.get("@id")
            if isinstance(node_id, str) and node_id in seen:  # one node listed twice
                continue
            seen.add(node_id)
            if index:  # most pages define no nodes to refer to: nothing to resolve
                posting = linkeddata.resolve(posting, index, base_url)
            items.append(_posting_item(_label(len(items) + 1, posting), posting, base_url))
    return items


def _microdata(tree: Any, base_url: str | None) -> list[dict] | ParsedItem:
    if not tree.xpath("//*[@itemscope]"):
        return []
    try:
        found = MicrodataExtractor().extract_items(tree, base_url)
        return list(linkeddata.job_postings(_umicrodata_microformat(found, "https://schema.org")))
    except Exception as error:  # noqa: BLE001 -- extruct's own failure: one bad item
        return ParsedItem("microdata", {}, "", f"unreadable microdata ({error})")


def _rdfa(tree: Any, body: bytes, base_url: str | None,
          encoding: str | None) -> list[dict] | ParsedItem:
    if not tree.xpath("//*[@typeof]"):  # RDFa types its nodes; most pages have none
        return []
    try:
        nodes = RDFaExtractor().extract_items(parse_xmldom_html(body, encoding or "UTF-8"),
                                              base_url=base_url)
        return linkeddata.rdfa_postings(nodes, base_url)
    except Exception as error:  # noqa: BLE001 -- pyRdfa's own failure: one bad item
        return ParsedItem("RDFa", {}, "", f"unreadable RDFa ({error})")


def as_job_posting(values: Mapping[str, Any]) -> dict[str, Any]:
    """A flat record in our field names (a CSV row, a feed entry) as a JobPosting."""
    get = values.get
    posting: dict[str, Any] = {"@type": "JobPosting", "title": get("title"),
                               "description": get("description"), "url": get("url"),
                               "identifier": get("id"), "validThrough": get("valid_through"),
                               "datePosted": get("date_posted"), "workHours": get("hours"),
                               "jobBenefits": get("benefits")}
    if get("employer"):
        posting["hiringOrganization"] = {"@type": "Organization", "name": get("employer"),
                                         "sameAs": get("employer_website")}
    if get("country") or get("city"):
        posting["jobLocation"] = {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressCountry": get("country"),
            "addressLocality": get("city")}}
    if get("origin"):
        posting["applicantLocationRequirements"] = {"@type": "Country", "name": get("origin")}
    if get("salary_min") not in (None, "") or get("salary_max") not in (None, ""):
        posting["baseSalary"] = {"@type": "MonetaryAmount", "currency": get("currency"),
                                 "value": {"@type": "QuantitativeValue",
                                           "minValue": get("salary_min"),
                                           "maxValue": get("salary_max"),
                                           "unitText": get("period")}}
    elif get("salary") not in (None, ""):
        salary = get("salary")
        posting["baseSalary"] = ({"@type": "MonetaryAmount", "currency": get("currency"),
                                  "value": salary, "unitText": get("period")}
                                 if get("period") else salary)
        posting["salaryCurrency"] = get("currency")
    return {k: v for k, v in posting.items() if v not in (None, "")}


def _mapped(record: Mapping[str, Any], mappings: Mapping[str, str],
            defaults: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Our field -> the record's value, through the source's mappings, else by our names."""
    values = {}
    for name in FIELDS:
        keys = ((mappings[name],) if name in mappings
                else (defaults or {}).get(name, ()) + (name,))
        values[name] = next((record[k] for k in keys if record.get(k) not in (None, "")), None)
    return values


def parse_feed(body: bytes, mappings: Mapping[str, str] | None = None) -> list[ParsedItem]:
    """RSS or Atom entries; job fields come from namespaced elements such as <job:salary>."""
    feed = feedparser.parse(body)  # bytes only: a str would be taken for a URL or a path
    if not feed.get("version") and not feed.entries:
        raise ParseError(f"not an RSS or Atom feed ({feed.get('bozo_exception', 'no entries')})")
    mappings = mappings or {}
    items = []
    for n, entry in enumerate(feed.entries[:MAX_ITEMS], 1):
        record = dict(entry)
        record.setdefault("description", entry.get("summary")
                          or (entry.get("content") or [{}])[0].get("value"))
        record.setdefault("url", entry.get("link"))
        if entry.get("published_parsed"):
            record.setdefault("date_posted", time.strftime("%Y-%m-%d", entry.published_parsed))
        raw = {k: v for k, v in record.items() if not k.endswith(("_detail", "_parsed"))}
        fields = as_job_posting(_mapped(record, mappings, FEED_DEFAULTS))
        items.append(ParsedItem(_label(n, fields, "entry"), fields, raw))
    return items


def _decode(body: bytes, encoding: str | None) -> str:
    for candidate in (encoding, "utf-8-sig", "cp1252"):
        if not candidate:
            continue
        try:
            return body.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ParseError("the text is in an unknown encoding")


def parse_csv(body: bytes, mappings: Mapping[str, str] | None = None, *,
              encoding: str | None = None) -> list[ParsedItem]:
    """One item per row; columns are our field names unless the mappings rename them."""
    text = _decode(body, encoding)
    # The header row tells the delimiter: column names rarely contain one, values
    # ("AED 2,000/month") often do, which misleads csv.Sniffer.
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t|", key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        if not reader.fieldnames:
            raise ParseError("the CSV file has no header row")
        rows = list(_csv_rows(reader, mappings or {}))
    except csv.Error as error:
        raise ParseError(f"unreadable CSV ({error})") from None
    return rows


def _csv_rows(reader: csv.DictReader, mappings: Mapping[str, str]) -> Iterator[ParsedItem]:
    for n, row in enumerate(reader, 2):
        if n > MAX_ITEMS + 1:
            break
        label = f"line {reader.line_num}"
        if None in row:
            yield ParsedItem(label, {}, row, "the row has more cells than the header")
            continue
        fields = as_job_posting(_mapped(row, mappings))
        yield ParsedItem(_label(reader.line_num, fields, "line"), fields, row)


def parse_json(body: bytes, mappings: Mapping[str, str] | None = None, *,
               encoding: str | None = None) -> list[ParsedItem]:
    """A JSON array of JobPosting-shaped objects (or flat records), or an object holding one."""
    try:
        data = json.loads(_decode(body, encoding))
    except json.JSONDecodeError as error:
        raise ParseError(f"not valid JSON ({error})") from None
    mappings = mappings or {}
    records = _records(data, mappings.get("items_path"))
    items = []
    for n, record in enumerate(records[:MAX_ITEMS], 1):
        if not isinstance(record, Mapping):
            items.append(ParsedItem(f"item {n}", {}, record, "the item is not a JSON object"))
            continue
        schema_org = "@type" in record or "hiringOrganization" in record
        fields = (dict(record) if schema_org and not mappings
                  else as_job_posting(_mapped(record, mappings)))
        items.append(ParsedItem(_label(n, fields), fields, record))
    return items


def _records(data: Any, path: str | None) -> list:
    if path:
        for key in path.split("."):
            data = data.get(key) if isinstance(data, Mapping) else None
    elif isinstance(data, Mapping):
        lists = [data[k] for k in ("@graph", "jobs", "items", "data", "results")
                 if isinstance(data.get(k), list)]
        one = "@type" in data or "title" in data  # a file holding a single posting
        data = lists[0] if lists else [data] if one else None
    if not isinstance(data, list):
        raise ParseError("no array of job items found" + (f" at {path!r}" if path else ""))
    return data


def parse_document(kind: str, body: bytes, *, mappings: Mapping[str, str] | None = None,
                   base_url: str | None = None, encoding: str | None = None
                   ) -> list[ParsedItem]:
    """The items of a document of a source `kind`."""
    if kind == "html_jsonld":
        return parse_html_page(body, base_url=base_url, encoding=encoding)
    if kind in ("rss", "atom"):
        return parse_feed(body, mappings)
    if kind == "csv":
        return parse_csv(body, mappings, encoding=encoding)
    if kind == "json":
        return parse_json(body, mappings, encoding=encoding)
    raise ParseError(f"unknown source kind {kind!r}")
