"""Mailing a digest: one multipart/alternative message (plain text and HTML) sent by SMTP.

A digest is mailed from its files in the outbox: its JSON is rendered again with the digest's
templates (the plain-text part from `digest.txt.j2`; links to other digests absolute under
`[digest] base_url`, or left out, since a relative link leads nowhere in a mail); a digest
without JSON is sent as its HTML and Markdown files are. So `digest build --send`, the daemon and
`digest send` all send what was written. A failed send is retried with growing pauses and
logged; it never touches the outbox or the store (a success clears the digest from
`digest.unmailed`). A send the server took for some recipients only is mailed to those: the
`Mailed` it returns names who was refused and why; one refused for every recipient is a SendError.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from pathlib import Path

from digest import publish, unmailed
from digest.archive import Issue, find_issue
from digest.config import Config, EmailSettings, email_problems
from digest.errors import ConfigError, DigestError
from digest.render import render
from digest.schema import from_json

log = logging.getLogger(__name__)
PORTS = {"starttls": 587, "ssl": 465, "none": 25}
ATTEMPTS = 4
FIRST_PAUSE = 10.0  # seconds before the first retry; doubled before each next one
TIMEOUT = 30.0  # seconds an SMTP server may take to answer
SEND_SECONDS = 120.0  # seconds one attempt may take in all, however the server dribbles
CLIPPED_BYTES = 102_000  # Gmail shows "[Message clipped]" past about this much HTML


class SendError(DigestError):
    """The digest could not be mailed."""


@dataclass(frozen=True, slots=True)
class Mailed:
    """A digest the server took for `accepted`; `refused` maps each other address to why."""

    issue: Issue
    server: str
    accepted: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """`Mailed digest-2026-11-21 to ann@example.org, bob@example.org.`"""
        return f"Mailed {self.issue.name} to {', '.join(self.accepted)}."

    def refusal(self) -> str | None:
        """What to tell about the recipients the server refused; None when it refused none."""
        if not self.refused:
            return None
        temporary = not all(_lasting(_code(answer)) for answer in self.refused.values())
        advice = (
            f"`digest send {self.issue.name}` mails it again, to every recipient"
            if temporary
            else "check [email] to"
        )
        return (
            f"{self.issue.name} was not mailed to {len(self.refused)} of"
            f" {len(self.refused) + len(self.accepted)} recipient(s): {self.server} refused"
            f" {_refusals(self.refused)}; {advice}"
        )


def send_digest(
    config: Config,
    name: str | Path | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    tls_context: ssl.SSLContext | None = None,
) -> Mailed:
    """Mail the digest `name` (default: the latest) to the configured recipients.

    Raises SendError when no recipient got it; a digest noted as not mailed is cleared.
    """
    settings = require_email(config.email)
    issue = find_issue(config, name)
    message = compose(issue, settings, config)
    refused = deliver(message, settings, sleep=sleep, tls_context=tls_context, name=issue.name)
    accepted = tuple(a for _, a in getaddresses(settings.to) if a not in refused)
    log.info("mailed %s to %s", issue.name, ", ".join(accepted))
    unmailed.clear(config, issue.name)
    return Mailed(issue, server_name(settings), accepted, refused)


def require_email(settings: EmailSettings) -> EmailSettings:
    """The settings, when they are enough to send mail; else ConfigError saying what is missing.

    Besides the keys, the environment variable named by `password_env` must be set, so that a
    command that builds and then mails finds out before it builds.
    """
    if not settings.enabled:
        raise ConfigError("email is not configured: set [email] host and to in the config file")
    problems = email_problems(settings)
    if problems:
        raise ConfigError("; ".join(problems))
    _password(settings)
    return settings


def compose(issue: Issue, settings: EmailSettings, config: Config) -> EmailMessage:
    """The message: a plain-text part, then the HTML part, from the digest's files."""
    text, html = message_parts(issue, config)
    if html is not None:
        warn_if_clipped(html, issue.name)
    sender = settings.sender or settings.username
    message = EmailMessage()
    message["Subject"] = subject(issue)
    message["From"] = sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid("digest", domain=parseaddr(sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    if text is not None:
        message.set_content(text)
    if html is not None and text is not None:
        message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    return message


def warn_if_clipped(html: str, name: str) -> bool:
    """Log a warning, and return True, when a digest's HTML is long enough for Gmail to clip."""
    size = len(html.encode("utf-8"))
    if size <= CLIPPED_BYTES:
        return False
    log.warning(
        "%s: the HTML is %d KB; Gmail clips messages past about 100 KB: a lower"
        " [digest] max_stories keeps the digest whole",
        name,
        size // 1000,
    )
    return True


def subject(issue: Issue) -> str:
    """`Title · Saturday 21 November 2026 · Top headline and 3 more` (a later digest of the day
    adds its time), on one line whatever the title and headline hold."""
    line = issue.heading
    return " ".join("".join(c if c.isprintable() else " " for c in line).split())


def message_parts(issue: Issue, config: Config) -> tuple[str | None, str | None]:
    """(plain text, HTML) of a digest: rendered for a mail from its JSON; without one, its
    Markdown and HTML files as they are."""
    json_file = issue.file("json")
    if json_file is not None:
        try:
            digest = from_json(json.loads(json_file.read_text(encoding="utf-8")))
        except (KeyError, TypeError, ValueError) as error:
            raise DigestError(f"{json_file}: not a digest's JSON ({error!r})") from None
        links = publish.links(config, mail=True, name=issue.name)
        parts = render(digest, config.paths.templates, ["text", "html"], config.digest.intro, links)
        return parts["text"], parts["html"]
    parts = {
        fmt: path.read_text(encoding="utf-8") for fmt in ("md", "html") if (path := issue.file(fmt))
    }
    if not parts:
        raise DigestError(f"{issue.name} has no .md, .html or .json file to send")
    return parts.get("md"), parts.get("html")


def deliver(
    message: EmailMessage,
    settings: EmailSettings,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    tls_context: ssl.SSLContext | None = None,
    send_seconds: float = SEND_SECONDS,
    name: str = "",
) -> dict[str, str]:
    """Send by SMTP, retrying failures that may pass (after 10 s, 20 s, 40 s, ...); return the
    recipients the server refused, {address: its answer}, when it took the others.

    Each attempt ends after `send_seconds` at most, even against a server that answers one
    byte at a time (each byte within the per-read TIMEOUT). Every error names host:port, and
    says `digest send NAME` tries again only when trying again may help.
    """
    password = _password(settings)
    server = server_name(settings)
    pause = FIRST_PAUSE
    for attempt in range(1, attempts + 1):
        try:
            refused = _send_once(message, settings, password, tls_context, send_seconds)
        except _FailedAttempt as failed:
            reason, permanent = _explain(failed.error, failed.stage, settings)
            if permanent or attempt == attempts:
                tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                raise SendError(
                    f"could not mail {message['Subject']!r} through {server}{tries}:"
                    f" {reason}; {_advice(name, permanent)}"
                ) from None
            log.warning(
                "mailing through %s failed (attempt %d of %d: %s); trying again in %.0f s",
                server, attempt, attempts, reason, pause,
            )  # fmt: skip
            sleep(pause)
            pause *= 2
        else:
            return _refused(refused)
    raise AssertionError("no attempt was made")  # attempts >= 1


def _advice(name: str, permanent: bool) -> str:
    """What to do about a digest that could not be mailed."""
    command = f"`digest send {name}`" if name else "`digest send`"
    if permanent:
        return f"trying again cannot help until that is fixed; then {command} mails it"
    return f"the digest is in the outbox: {command} tries again"


def server_name(settings: EmailSettings) -> str:
    """`host:port` of the SMTP server (`[::1]:25` for an IPv6 address)."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{host}:{settings.port or PORTS[settings.security]}"


class _FailedAttempt(Exception):
    """One attempt failed with `error` while the client was at `stage`."""

    def __init__(self, error: BaseException, stage: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.stage = stage  # "connect" (the TLS handshake of `ssl`, the greeting), then "send"


def _send_once(
    message: EmailMessage,
    settings: EmailSettings,
    password: str,
    context: ssl.SSLContext | None,
    send_seconds: float = SEND_SECONDS,
) -> dict:
    port = settings.port or PORTS[settings.security]
    context = context or ssl.create_default_context()
    timeout = min(TIMEOUT, send_seconds)
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(timeout=timeout)
    client._host = settings.host  # what TLS checks the certificate against, as SMTP(host) sets
    deadline = _Deadline(client, send_seconds)  # from before the greeting, read at connect
    stage = "connect"
    try:
        client.connect(settings.host, port)
        stage = "send"
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, password)
            return client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        late = TimeoutError(f"the server took longer than {send_seconds:g} s in all")
        raise _FailedAttempt(late if deadline.passed else error, stage) from None
    finally:
        deadline.cancel()
        client.close()


class _Deadline:
    """Cuts an SMTP connection off once `seconds` have passed: its socket timeout bounds each
    read, not a conversation of many slow reads."""

    def __init__(self, client: smtplib.SMTP, seconds: float) -> None:
        self.client = client
        self.passed = False
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.passed = True
        sock = getattr(self.client, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # closed already
                sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read with an error

    def cancel(self) -> None:
        self._timer.cancel()


def _password(settings: EmailSettings) -> str:
    if not settings.password_env:
        return ""
    password = os.environ.get(settings.password_env)
    if password is None:
        raise ConfigError(
            f"the environment variable {settings.password_env} (email.password_env) is not set;"
            " it must hold the SMTP password"
        )
    return password


def _explain(error: BaseException, stage: str, settings: EmailSettings) -> tuple[str, bool]:
    """(What went wrong, with a hint when the settings look like the cause; whether trying
    again cannot help: a refusal, a bad login or certificate, a port of the other security)."""
    reason = _describe(error)
    if stage == "connect" and settings.security == "ssl" and _not_tls(error):
        return f"{reason}: {PLAIN_PORT_HINT}", True
    if stage == "connect" and settings.security != "ssl" and _no_greeting(error):
        port = settings.port or PORTS[settings.security]
        return f"{reason}: {TLS_PORT_HINT}", port == PORTS["ssl"]
    return reason, _permanent(error)


PLAIN_PORT_HINT = 'this port does not speak TLS from the start; try security = "starttls"'
TLS_PORT_HINT = (
    "the server sent no greeting, as a port that speaks TLS from the start (such as 465) does"
    ' not; if it is one, try security = "ssl"'
)
_NOT_TLS = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
            "PACKET_LENGTH_TOO_LONG", "UNEXPECTED_RECORD"}  # fmt: skip


def _not_tls(error: BaseException) -> bool:
    """True when a TLS handshake met a server that answers in plain text."""
    return isinstance(error, ssl.SSLError) and (
        getattr(error, "reason", None) in _NOT_TLS or "record layer" in str(error).lower()
    )


def _no_greeting(error: BaseException) -> bool:
    """True when the server said nothing after the connection opened (a TLS server waits for
    the client's handshake)."""
    return isinstance(error, TimeoutError | smtplib.SMTPServerDisconnected)


def _permanent(error: BaseException) -> bool:
    """True for failures that trying again cannot fix: a refusal, bad login, bad certificate."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(_lasting(code) for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return _lasting(error.smtp_code)
    return isinstance(error, smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"the server refused {_refusals(_refused(error.recipients))}"
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error.smtp_code, error.smtp_error)
    return str(error) or type(error).__name__


def _answer(code: int, text: bytes | str) -> str:
    """An SMTP answer as text: `550 no such user`."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return f"{code} {' '.join(text.split())}".strip()


def _code(answer: str) -> int:
    """The reply code an answer made by `_answer` begins with (0 when none)."""
    head = answer.split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def _lasting(code: int) -> bool:
    """True for an SMTP reply code that asking again meets again (5xx); 4xx may pass."""
    return code >= 500


def _refused(recipients: dict[str, tuple[int, bytes]]) -> dict[str, str]:
    """smtplib's refused recipients, {address: (code, text)}, as {address: its answer}."""
    return {address: _answer(code, text) for address, (code, text) in recipients.items()}


def _refusals(refused: dict[str, str]) -> str:
    """`bad@example.org (550 no such user), old@example.org (553 …)`."""
    return ", ".join(f"{address} ({answer})" for address, answer in refused.items())
