"""OPML subscription lists, as feed readers export them: read, and merged into `[feeds] opml`."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, ParseError, SubElement, indent

import defusedxml
import defusedxml.ElementTree

from digest.config import Subscription, url_problem
from digest.errors import DigestError

log = logging.getLogger(__name__)
MAX_OPML_BYTES = 10_000_000


@dataclass(frozen=True, slots=True)
class Imported:
    """What `digest feeds import` did."""

    added: tuple[Subscription, ...]
    already: int  # feeds of the file that were subscribed already
    refused: tuple[str, ...]  # addresses that are not http or https
    into: Path


def read_opml(path: Path) -> tuple[list[Subscription], list[str]]:
    """The feeds an OPML file lists (outlines with an xmlUrl, at any depth), and the addresses
    refused (not http or https). A DigestError when the file cannot be read as OPML."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise DigestError(f"{path}: larger than {MAX_OPML_BYTES / 1e6:g} MB; not an OPML list")
        root = defusedxml.ElementTree.parse(path).getroot()
    except OSError as error:
        raise DigestError(f"{path}: cannot read it: {error.strerror or error}") from None
    except (ParseError, defusedxml.DefusedXmlException) as error:
        raise DigestError(f"{path}: not a readable OPML file ({error})") from None
    if root.tag.lower() != "opml":
        raise DigestError(f"{path}: not an OPML file (its root element is <{root.tag}>)")
    found: dict[str, Subscription] = {}
    refused = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue  # a folder of feeds, or a link
        if url_problem(url):
            refused.append(url)
            continue
        name = " ".join((outline.get("title") or outline.get("text") or "").split())
        full_text = (outline.get("fullText") or "").lower() == "true"
        found.setdefault(url, Subscription(url, name, full_text))
    return list(found.values()), refused


def import_opml(source: Path, into: Path, subscribed: list[Subscription]) -> Imported:
    """Add the feeds of `source` not yet `subscribed` to the OPML file `into` (created if need
    be; written whole, then renamed into place)."""
    offered, refused = read_opml(source)
    existing = read_opml(into)[0] if into.exists() else []
    known = {s.url for s in subscribed} | {s.url for s in existing}
    added = tuple(s for s in offered if s.url not in known)
    if added:
        write_opml(into, [*existing, *added])
    return Imported(added, len(offered) - len(added), tuple(refused), into)


def write_opml(path: Path, subscriptions: list[Subscription]) -> None:
    """Write an OPML 2.0 list of `subscriptions` atomically."""
    root = Element("opml", version="2.0")
    SubElement(SubElement(root, "head"), "title").text = "digest subscriptions"
    body = SubElement(root, "body")
    for subscription in subscriptions:
        attributes = {"type": "rss", "text": subscription.name or subscription.url}
        if subscription.name:
            attributes["title"] = subscription.name
        attributes["xmlUrl"] = subscription.url
        if subscription.full_text:
            attributes["fullText"] = "true"
        SubElement(body, "outline", attributes)
    indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            ElementTree(root).write(file, encoding="utf-8", xml_declaration=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
