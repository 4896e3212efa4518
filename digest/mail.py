"""Mailing a digest: one multipart/alternative message (Markdown text and HTML) sent by SMTP.

A digest is mailed from its files in the outbox, so `digest build --send`, the daemon and
`digest send` all send exactly what was written. A failed send is retried with growing pauses
and logged; it never touches the outbox or the store.
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
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

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


def send_digest(
    config: Config,
    name: str | Path | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    tls_context: ssl.SSLContext | None = None,
) -> Issue:
    """Mail the digest `name` (default: the latest) to the configured recipients."""
    settings = require_email(config.email)
    issue = find_issue(config, name)
    message = compose(issue, settings, config)
    deliver(message, settings, sleep=sleep, tls_context=tls_context)
    log.info("mailed %s to %s", issue.name, ", ".join(settings.to))
    return issue


def send_in_background(config: Config, name: str) -> threading.Thread | None:
    """Mail a digest on a thread of its own, when email is configured; failures are logged."""
    if not config.email.enabled:
        return None
    thread = threading.Thread(target=_send_logged, args=(config, name), name=f"mail {name}")
    thread.daemon = True  # stopping the daemon does not wait for retries: `digest send` can
    thread.start()
    return thread


def _send_logged(config: Config, name: str) -> None:
    try:
        send_digest(config, name)
    except DigestError as error:
        log.error("%s", error)
    except Exception:  # a bug in sending must not go unseen, nor stop anything else
        log.exception("unexpected error while mailing %s", name)


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
    """`Title · Saturday 21 November 2026`, on one line whatever the title holds."""
    line = f"{issue.title} · {issue.generated_at:%A %d %B %Y}"
    return " ".join("".join(c if c.isprintable() else " " for c in line).split())


def message_parts(issue: Issue, config: Config) -> tuple[str | None, str | None]:
    """(Markdown text, HTML) of a digest: its files, else rendered from its JSON."""
    parts = {
        fmt: path.read_text(encoding="utf-8") for fmt in ("md", "html") if (path := issue.file(fmt))
    }
    missing = [fmt for fmt in ("md", "html") if fmt not in parts]
    json_file = issue.file("json")
    if missing and json_file is not None:
        try:
            digest = from_json(json.loads(json_file.read_text(encoding="utf-8")))
        except (KeyError, TypeError, ValueError) as error:
            raise DigestError(f"{json_file}: not a digest's JSON ({error!r})") from None
        parts.update(render(digest, config.paths.templates, missing, config.digest.intro))
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
) -> None:
    """Send by SMTP, retrying failures that may pass (after 10 s, 20 s, 40 s, ...).

    Each attempt ends after `send_seconds` at most, even against a server that answers one
    byte at a time (each byte within the per-read TIMEOUT).
    """
    password = _password(settings)
    pause = FIRST_PAUSE
    for attempt in range(1, attempts + 1):
        try:
            refused = _send_once(message, settings, password, tls_context, send_seconds)
        except (OSError, smtplib.SMTPException) as error:
            reason = _describe(error)
            if _permanent(error) or attempt == attempts:
                tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                raise SendError(
                    f"could not mail {message['Subject']!r} through {settings.host}{tries}:"
                    f" {reason}; the digest is in the outbox: `digest send` tries again"
                ) from None
            log.warning(
                "mailing through %s failed (attempt %d of %d: %s); trying again in %.0f s",
                settings.host, attempt, attempts, reason, pause,
            )  # fmt: skip
            sleep(pause)
            pause *= 2
        else:
            for address, (code, answer) in refused.items():
                log.warning("%s refused recipient %s: %s %s", settings.host, address, code, answer)
            return


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
    try:
        client.connect(settings.host, port)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, password)
            return client.send_message(message)
    except (OSError, smtplib.SMTPException):
        if deadline.passed:
            raise TimeoutError(f"the server took longer than {send_seconds:g} s in all") from None
        raise
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


def _permanent(error: BaseException) -> bool:
    """True for failures that trying again cannot fix: a refusal, bad login, bad certificate."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        if isinstance(answer, bytes):
            answer = answer.decode(errors="replace")
        return f"{error.smtp_code} {answer}"
    return str(error) or type(error).__name__
