"""Reading a source politely: robots.txt honoured for our user agent (RFC 9309, Protego),
its crawl delay kept between requests to a host, conditional requests so that an unchanged
document costs a 304 and no parsing, sitemaps (`<urlset>`, `<sitemapindex>`) followed so
that a job board is one source. Each step is written to the run's log.
"""
from __future__ import annotations

import dataclasses
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
from protego import Protego

from app.aggregation.fetch import (BackOff, Document, FetchError, FetchLimits, Refused, fetch,
                                   fetch_url, is_url)
from app.aggregation.parsers import ParsedItem, ParseError, parse_document, parse_html_page

ROBOTS_MAX_BYTES = 512 * 1024   # RFC 9309 asks parsers to read at least 500 KiB
MAX_SITEMAPS = 20               # sitemaps read from one index
MAX_PAGES = 500                 # job pages read from one sitemap source per run
MAX_CRAWL_DELAY = 10.0          # seconds; a longer Crawl-delay is kept at this
_XML = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class Disallowed(FetchError):
    """robots.txt does not let our user agent read this URL."""


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups name: "FairCorridor-aggregator" of
    "FairCorridor-aggregator/1.0 +https://..."."""
    return user_agent.split("/", 1)[0].split()[0]


@dataclass
class Crawler:
    """One run's access to the web: robots.txt read once per host, a pause between
    requests to the same host, and the log of what was done and why."""

    limits: FetchLimits
    log: list[dict] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    robots: dict[str, Protego | None] = field(default_factory=dict)  # None: allow all
    last_request: dict[str, float] = field(default_factory=dict)

    def _robots(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self.robots:
            self.robots[host] = self._read_robots(host)
        return self.robots[host]

    def _read_robots(self, host: str) -> Protego | None:
        limits = dataclasses.replace(self.limits, max_bytes=ROBOTS_MAX_BYTES)
        try:
            body = fetch_url(f"{host}/robots.txt", "robots", limits).body
        except Refused:
            raise  # an address no source may reach: that is the run's reason, not robots
        except FetchError as error:
            # A busy answer (429, 503) is a server that cannot say, not a missing file.
            if not isinstance(error, BackOff) and error.status and 400 <= error.status < 500:
                self.log.append({"event": "robots_missing", "host": host})
                return None  # RFC 9309 2.3.1.3: no robots.txt, no restriction
            # 2.3.1.4: unreachable or a server error means "disallow everything" for now
            self.log.append({"event": "robots_unreachable", "host": host,
                             "reason": str(error)[:300]})
            return Protego.parse("User-agent: *\nDisallow: /")
        return Protego.parse(body.decode("utf-8", "replace"))

    def check(self, url: str) -> None:
        """Disallowed unless robots.txt lets our agent read `url`; logs each refusal."""
        robots, token = self._robots(url), agent_token(self.limits.user_agent)
        if robots is not None and not robots.can_fetch(url, token):
            self.log.append({"event": "robots_disallowed", "url": url[:500]})
            raise Disallowed(f"robots.txt does not allow {token} to read {url[:300]}")

    def get(self, url: str, kind: str, headers: dict[str, str] | None = None) -> Document:
        """`url` fetched once robots.txt allows it, after the host's crawl delay."""
        self.check(url)
        robots, host = self._robots(url), urlsplit(url).netloc
        delay = min(robots.crawl_delay(agent_token(self.limits.user_agent)) or 0,
                    MAX_CRAWL_DELAY) if robots else 0
        wait = self.last_request.get(host, -1e9) + delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        try:
            return fetch_url(url, kind, self.limits, headers)
        finally:
            self.last_request[host] = time.monotonic()


def validators(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The conditional request headers for a document read before."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


@dataclass
class Reading:
    """What one reading of a source gave: its items, or a 304 (nothing to parse)."""

    items: list[ParsedItem]
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


def read_source(crawler: Crawler, kind: str, location: str, mappings: dict,
                file_root: Path, etag: str | None = None,
                last_modified: str | None = None) -> Reading:
    """The items of a source; FetchError or ParseError when it cannot be read at all."""
    if kind == "sitemap":
        return Reading(read_sitemap_pages(crawler, location))
    if not is_url(location):
        document = fetch(location, kind, crawler.limits, file_root)
    else:
        document = crawler.get(location, kind, validators(etag, last_modified))
        if document.not_modified:
            crawler.log.append({"event": "not_modified", "url": location[:500]})
            return Reading([], True, document.etag or etag,
                           document.last_modified or last_modified)
    items = parse_document(kind, document.body, mappings=mappings, base_url=document.url,
                           encoding=document.encoding)
    return Reading(items, False, document.etag, document.last_modified)


def _xml_body(document: Document, max_bytes: int) -> bytes:
    body = document.body
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap; decompressed within the size limit
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = inflater.decompress(body, max_bytes)
        if inflater.unconsumed_tail:
            raise FetchError(f"sitemap too large: more than {max_bytes:,} bytes unpacked")
    return body


def _locations(body: bytes) -> tuple[str, list[str]]:
    """("urlset" or "sitemapindex", the <loc> URLs) of a sitemap document."""
    try:
        root = lxml.etree.fromstring(body, _XML)
    except lxml.etree.XMLSyntaxError as error:
        raise ParseError(f"not a sitemap ({error})") from None
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise ParseError(f"not a sitemap (the document is a <{kind}>)")
    locs = [(loc.text or "").strip() for loc in root.iter("{*}loc")]
    return kind, [loc for loc in locs if is_url(loc)]


def sitemap_urls(crawler: Crawler, location: str) -> list[str]:
    """The page URLs of a sitemap or sitemap index, on the sitemap's own host only."""
    host, pages, queue, read = urlsplit(location).netloc, [], [location], 0
    while queue and read < MAX_SITEMAPS and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        kind, locs = _locations(_xml_body(crawler.get(url, "sitemap"),
                                          crawler.limits.max_bytes))
        read += 1
        locs = [loc for loc in locs if urlsplit(loc).netloc == host]
        if kind == "sitemapindex":
            queue += locs
        else:
            pages += locs
        crawler.log.append({"event": "sitemap", "url": url[:500], "kind": kind,
                            "found": len(locs)})
    return list(dict.fromkeys(pages))[:MAX_PAGES]


def read_sitemap_pages(crawler: Crawler, location: str) -> list[ParsedItem]:
    """Every posting on the sitemap's pages; a page that cannot be read is one bad item."""
    items: list[ParsedItem] = []
    for n, url in enumerate(sitemap_urls(crawler, location), 1):
        try:
            document = crawler.get(url, "html_jsonld")
            found = parse_html_page(document.body, base_url=document.url,
                                    encoding=document.encoding)
        except (FetchError, ParseError) as error:
            crawler.log.append({"event": "page_skipped", "url": url[:500],
                                "reason": str(error)[:300]})
            items.append(ParsedItem(f"page {n} ({url[:120]})", {}, url, str(error)))
            continue
        items += [ParsedItem(f"page {n}, {i.label}", i.fields, i.raw, i.error) for i in found]
    return items
