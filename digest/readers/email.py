"""E-mail messages saved from a mail client (.eml): newsletters and articles sent by mail.

The HTML part is preferred and read like a saved web page; without one (or when it holds no
article) the plain-text part is read. The subject is the title, the sender's display name the
source, the Date header the date. (Absolute imports make `import email` the standard library's
package here, not this module.)
"""

from __future__ import annotations

import email
import email.errors
import re
from dataclasses import replace
from email import policy
from email.message import EmailMessage

from digest.decode import decode, decode_page
from digest.errors import ReadError
from digest.limits import check_headers, check_markup
from digest.readers.draft import Draft
from digest.readers.html import read_html, reads_as_prose

# The standard library's header parser raises these on some malformed headers.
_HEADER_ERRORS = (email.errors.MessageError, ValueError, IndexError, TypeError, AttributeError)


_MAX_FORWARDS = 5  # messages forwarded inside messages read at most this deep


def read_email(data: bytes) -> list[Draft]:
    """One article from a saved e-mail message."""
    return mail_drafts(data)[0]


def mail_drafts(data: bytes) -> tuple[list[Draft], list[str]]:
    """One article from a saved e-mail message, and what its reader should be told about how
    its parts were decoded (an HTML part in a charset digest does not know)."""
    check_headers(data)
    message = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise ReadError("not an e-mail message: it has no headers (From, Subject, Date, ...)")
    warnings: list[str] = []
    body = _body(message, warnings)
    if body is None:
        raise ReadError("the message has no text or HTML part to read")
    page, plain = body
    if page is None and not (plain or "").strip():
        raise ReadError("no article text found in the message")
    return [
        Draft(
            text=page.text if page else plain or "",
            title=_header(message, "subject") or (page.title if page else None),
            source=_sender(message) or (page.source if page else None),
            url=page.url if page else None,
            published=_header(message, "date") or (page.published if page else None),
        )
    ], warnings


Body = tuple[Draft | None, str | None]  # the HTML part read as a page, the plain text


def _body(message: EmailMessage, warnings: list[str]) -> Body | None:
    """The message's article: its HTML part read as a page, and its plain text. A message
    forwarded as an attachment (message/rfc822) is read instead when the message's own text is
    no article (none, or a covering note: "Sent from my iPhone", "see attached"). None when no
    message holds a text or HTML part."""
    found: list[Body] = []
    for _ in range(_MAX_FORWARDS):
        html = _body_texts(message, "html", warnings)
        plain = _body_texts(message, "plain", warnings)
        if html or plain:
            page = _html_draft(html) if html else None
            found.append((page, "\n\n".join(text.strip("\n") for text in plain) if plain else None))
            if _reads_as_article(_text(found[-1])):
                return found[-1]
        forwarded = _forwarded(message)
        if forwarded is None:
            break
        message = forwarded
    return max(found, key=lambda body: len(_text(body).split()), default=None)


def _text(body: Body) -> str:
    page, plain = body
    return page.text if page else plain or ""


def _reads_as_article(text: str) -> bool:
    """True when a paragraph of the text reads as prose: more than a note or a signature."""
    return any(reads_as_prose(paragraph) for paragraph in text.split("\n\n"))


def _forwarded(message: EmailMessage) -> EmailMessage | None:
    """The first message attached whole to this one (a forward as attachment), if any."""
    try:
        for part in message.walk():
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                return inner if isinstance(inner, EmailMessage) else None
    except _HEADER_ERRORS:
        return None
    return None


def _html_draft(parts: list[str]) -> Draft | None:
    """The HTML parts read as pages: the first's title, source, URL and date, all their text."""
    pages = [page for page in map(_page, parts) if page is not None]
    if not pages:
        return None
    return replace(pages[0], text="\n\n".join(page.text for page in pages))


def _page(html: str) -> Draft | None:
    check_markup(html)  # decoded from base64 or quoted-printable, it was not screened before
    try:
        return read_html(html)[0]
    except ReadError:
        return None


def _body_texts(message: EmailMessage, subtype: str, warnings: list[str]) -> list[str]:
    """The texts of the message's parts of this subtype (html or plain) that make its body."""
    try:
        parts = _body_parts(message, subtype)
    except _HEADER_ERRORS:
        return []
    texts = [_part_text(part, warnings) for part in parts]
    return [text for text in texts if text is not None]


def _body_parts(part: EmailMessage, subtype: str) -> list[EmailMessage]:
    """The parts of this subtype that make the body, in order: each inline one of a mixed part
    (mail clients split the text around an inline image), of the last alternative that holds
    one, of a related part's root; neither attachments nor forwarded messages. A part of a
    mixed part that has a file name is a file attached, even one marked inline (as Apple Mail
    attaches files), unless no part without a name holds text; the text parts a client splits
    around an image have none. (Alternatives are the body's own versions, whatever they are
    named.) A mailing list's footer part, after the message, is not its text either."""
    if part.is_attachment():
        return []
    if part.get_content_maintype() == "text":
        return [part] if part.get_content_subtype() == subtype else []
    if part.get_content_maintype() != "multipart":
        return []
    children = [child for child in part.iter_parts() if isinstance(child, EmailMessage)]
    if part.get_content_subtype() == "alternative":
        found = [_body_parts(child, subtype) for child in children]
        return next((parts for parts in reversed(found) if parts), [])
    if part.get_content_subtype() == "related":
        return _body_parts(children[0], subtype) if children else []
    unnamed = [child for child in children if not _file_name(child)]
    if len(unnamed) > 1 and _is_list_footer(unnamed[-1]):
        unnamed = unnamed[:-1]
    found = [found for child in unnamed for found in _body_parts(child, subtype)]
    if found or any(_body_parts(child, kind) for child in unnamed for kind in ("plain", "html")):
        return found
    # A mail whose only text is a named inline part (a newsletter tool's `newsletter.txt`) is
    # that text.
    return [found for child in children for found in _body_parts(child, subtype)]


# Mailman's footer, added as a part of its own after the message: its rule of underscores,
# then a few lines naming the list and how to leave it.
_FOOTER_RULE = re.compile(r"\s*_{20,}\s*\n")
_MAX_FOOTER_WORDS = 60


def _is_list_footer(part: EmailMessage) -> bool:
    """True for a mailing list's footer part: short plain text under a rule of underscores."""
    if part.get_content_type() != "text/plain":
        return False
    text = _part_text(part) or ""
    return bool(_FOOTER_RULE.match(text)) and len(text.split()) <= _MAX_FOOTER_WORDS


def _file_name(part: EmailMessage) -> str | None:
    """The part's file name (Content-Disposition's filename, else Content-Type's name)."""
    try:
        return part.get_filename()
    except _HEADER_ERRORS:
        return None


def _part_text(part: EmailMessage, warnings: list[str] | None = None) -> str | None:
    """The decoded text of one part: in its charset, else guessed as for any other file (an
    HTML part in the charset it declares, any trouble with that told in `warnings`)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    charset = _charset(part)
    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, ValueError):  # ValueError covers UnicodeError
            pass  # an unknown, unusable or wrong charset: guess as for any other file
    if not payload.strip():
        return ""
    if part.get_content_subtype() != "html":
        return decode(payload)
    page = decode_page(payload)
    told = f"its HTML part {page.warning}"
    if page.warning and warnings is not None and told not in warnings:
        warnings.append(told)
    return page.text


def _charset(part: EmailMessage) -> str | None:
    try:
        return part.get_content_charset()
    except _HEADER_ERRORS:
        return None


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except _HEADER_ERRORS:
        return None
    if value is None:
        return None
    if "\ufffd" in str(value):  # 8-bit bytes the parser could not read (a Latin-1 Subject)
        return _raw_header(message, name) or _unescape(str(value))
    return _unescape(str(value))


def _raw_header(message: EmailMessage, name: str) -> str | None:
    """The header as written, its 8-bit bytes read as UTF-8 or else cp1252, then its encoded
    words (=?charset?q?...?=) decoded."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name), None)
    if not isinstance(raw, str):
        return None
    try:
        return str(policy.default.header_factory(name, _unescape(raw))) or None
    except _HEADER_ERRORS:
        return None


def _sender(message: EmailMessage) -> str | None:
    """The From header's display name, else its address."""
    try:
        header = message.get("from")
        addresses = getattr(header, "addresses", ())
    except _HEADER_ERRORS:
        return None
    if not addresses:
        return _unescape(str(header)) if header else None
    first = addresses[0]
    return _unescape(first.display_name or first.addr_spec) or None


def _unescape(value: str) -> str:
    """Undecoded 8-bit header bytes (kept by the parser as surrogates) read as UTF-8 or cp1252."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "digest-legacy")
    except UnicodeError:  # other lone surrogates: read_file drops them
        return value
