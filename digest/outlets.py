"""Who reported an article: the one name an outlet goes by in digests, lists and explanations."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from digest.models import Article

UNKNOWN = "Unknown source"


def safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s), else None: no javascript: or data: links."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def outlet(source: str | None, url: str | None) -> str | None:
    """The outlet an article is credited to: its source, else its web site's host name (lower
    case, without a login or port); None when it has neither."""
    if source:
        return source
    safe = safe_url(url)
    return urlsplit(safe).hostname if safe else None


def credit(article: Article) -> str:
    """The name an article is listed under: its outlet, or "Unknown source"."""
    return outlet(article.source, article.url) or UNKNOWN


def outlets_of(articles: Iterable[Article]) -> list[str]:
    """The distinct named outlets of these articles, in their order; an article with neither a
    source nor a web address is not counted as an outlet."""
    names = (outlet(a.source, a.url) for a in articles)
    return list(dict.fromkeys(name for name in names if name))
