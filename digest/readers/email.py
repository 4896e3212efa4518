"""E-mail messages saved from a mail client (.eml): newsletters and articles sent by mail.

The HTML part is preferred and read like a saved web page; without one (or when it holds no
article) the plain-text part is read. The subject is the title, the sender's display name the
source, the Date header the date. (Absolute imports make `import email` the standard library's
package here, not this module.)
"""

from __future__ import annotations

import email
import email.errors
from email import policy
from email.message import EmailMessage

from digest.decode import decode, decode_page
from digest.errors import ReadError
from digest.limits import check_headers, check_markup
from digest.readers.draft import Draft
from digest.readers.html import read_html

# The standard library's header parser raises these on some malformed headers.
_HEADER_ERRORS = (email.errors.MessageError, ValueError, IndexError, TypeError, AttributeError)


_MAX_FORWARDS = 5  # messages forwarded inside messages read at most this deep


def read_email(data: bytes) -> list[Draft]:
    """One article from a saved e-mail message."""
    check_headers(data)
    message = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise ReadError("not an e-mail message: it has no headers (From, Subject, Date, ...)")
    html, plain = _bodies(message)
    if html is None and plain is None:
        raise ReadError("the message has no text or HTML part to read")
    page = _html_draft(html) if html is not None else None
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
    ]


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    """The (HTML, plain text) bodies of the message; a message whose only content is a message
    forwarded as an attachment (message/rfc822) gives that message's."""
    for _ in range(_MAX_FORWARDS):
        html, plain = _body_text(message, "html"), _body_text(message, "plain")
        forwarded = _forwarded(message) if html is None and plain is None else None
        if forwarded is None:
            return html, plain
        message = forwarded
    return None, None


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


def _html_draft(html: str) -> Draft | None:
    check_markup(html)  # decoded from base64 or quoted-printable, it was not screened before
    try:
        return read_html(html)[0]
    except ReadError:
        return None


def _body_text(message: EmailMessage, subtype: str) -> str | None:
    """The text of the message's main part of this subtype (text/html or text/plain)."""
    try:
        part = message.get_body(preferencelist=(subtype,))
    except _HEADER_ERRORS:
        return None
    if part is None:
        return None
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
    return decode_page(payload).text if subtype == "html" else decode(payload)


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
