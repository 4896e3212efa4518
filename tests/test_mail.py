"""Mailing digests to a real SMTP server (aiosmtpd) started by the tests on localhost."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from digest import mail, pipeline, publish, queries, unmailed
from digest.cli import main
from digest.config import EmailSettings, load_config
from digest.daemon import Daemon
from digest.errors import ConfigError, DigestError

from .conftest import NOW, ROOT, make_config, make_inbox
from .test_daemon import Running, article, quick_config, wait_for
from .test_pipeline import RAIL_A, RAIL_B, STORM
from .test_publishing import no_space_for

TO = ("ann@example.org", "Bob Reader <bob@example.org>")


class Recorder:
    """An SMTP handler that keeps what it receives; it answers `failures` first, in order."""

    def __init__(self, failures: tuple[str, ...] = (), hold: threading.Event | None = None) -> None:
        self.envelopes: list = []
        self.failures = list(failures)
        self.hold = hold  # a slow server: it answers once the test sets this (or after 60 s)
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.attempts += 1
        if self.hold is not None:
            await asyncio.to_thread(self.hold.wait, 60)
        if self.failures:
            return self.failures.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


# A new fact for the storm story: a later article that tells the reader something new.
STORM_NEWS = "Two hikers missing since the storm were found alive near Kell Ridge on Saturday."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(handler: Recorder, **options):
    """A real SMTP server on localhost for the duration of the block; yields its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def with_email(config, port: int, **settings):
    email_settings = EmailSettings(
        host="127.0.0.1", port=port, security="none", sender="Digest <digest@example.org>", to=TO
    )
    return replace(config, email=replace(email_settings, **settings))


def built(tmp_path, **overrides):
    """A config with one digest (two stories) written into its outbox."""
    config = make_config(tmp_path, **overrides)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A, "b.txt": RAIL_B, "c.txt": STORM})
    pipeline.build(config, now=NOW)
    return config


def never_pause(seconds: float) -> None:
    raise AssertionError(f"a failure that cannot pass was retried (after {seconds} s)")


def lines(part) -> list[str]:
    return part.get_content().splitlines()  # mail travels with CRLF line ends


def test_digest_is_mailed_as_plain_text_and_html_alternatives(tmp_path):
    config = built(tmp_path)
    recorder = Recorder()
    with smtp_server(recorder) as port:
        issue = mail.send_digest(with_email(config, port)).issue
    assert issue.name == "digest-2026-11-21"
    [envelope] = recorder.envelopes
    assert envelope.mail_from == "digest@example.org"
    assert envelope.rcpt_tos == ["ann@example.org", "bob@example.org"]
    [message] = recorder.messages()
    top = issue.headlines[0]
    assert message["Subject"] == f"Daily digest · Saturday 21 November 2026 · {top} and 1 more"
    assert message["From"] == "Digest <digest@example.org>"
    assert message["To"] == "ann@example.org, Bob Reader <bob@example.org>"
    assert message["Message-ID"].endswith("@example.org>") and message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    outbox = config.paths.outbox
    plain = text.get_content()
    assert "](" not in plain and "**" not in plain and "\\" not in plain  # no Markdown syntax
    assert f"1. {top}\n" in plain.replace("\r\n", "\n")
    assert lines(html) == (outbox / "digest-2026-11-21.html").read_text().splitlines()
    assert message.get_body(("html",)).get_content().count("<article") == 2


def test_a_title_cannot_inject_a_header(tmp_path):
    config = built(tmp_path, **{"digest.title": "Evil\r\nBcc: evil@x\nX-Injected: yes"})
    recorder = Recorder()
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port))
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["ann@example.org", "bob@example.org"]
    [message] = recorder.messages()
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"].startswith("Evil Bcc: evil@x X-Injected: yes · ")
    header_block = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert not [line for line in header_block.split(b"\r\n") if line.lower().startswith(b"bcc")]


def test_login_uses_the_password_from_the_environment(tmp_path, monkeypatch):
    config = built(tmp_path)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    recorder = Recorder()
    options = {"authenticator": authenticator, "auth_require_tls": False}
    with smtp_server(recorder, **options) as port:
        settings = {"username": "digest", "password_env": "DIGEST_SMTP_PASSWORD"}
        config = with_email(config, port, **settings)
        with pytest.raises(ConfigError, match="DIGEST_SMTP_PASSWORD"):
            mail.send_digest(config)  # the variable is not set
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
        with pytest.raises(mail.SendError, match="535"):
            mail.send_digest(config, sleep=never_pause)  # a refused login is not retried
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
        mail.send_digest(config)
    assert logins[-1] == (b"digest", b"s3cret")
    assert len(recorder.envelopes) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_over_tls(tmp_path, certificate, security):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    if security == "ssl":
        options = {"ssl_context": server_context}
    else:
        options = {"tls_context": server_context, "require_starttls": True}
    config = built(tmp_path)
    recorder = Recorder()
    with smtp_server(recorder, **options) as port:
        config = with_email(config, port, security=security)
        with pytest.raises(mail.SendError, match="certificate"):
            mail.send_digest(config, sleep=never_pause)  # not trusted: refused, not retried
        trusting = ssl.create_default_context(cafile=str(cert))
        mail.send_digest(config, tls_context=trusting)
    assert len(recorder.envelopes) == 1


def test_a_failed_send_is_retried_with_growing_pauses(tmp_path, caplog):
    config = built(tmp_path)
    pauses: list[float] = []
    recorder = Recorder(failures=("451 try again later", "421 too busy"))
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port), sleep=pauses.append)
    assert pauses == [10.0, 20.0] and recorder.attempts == 3
    assert len(recorder.envelopes) == 1
    assert "attempt 1 of 4: 451 try again later" in caplog.text


def test_a_send_that_keeps_failing_reports_and_keeps_the_digest(tmp_path):
    config = built(tmp_path)
    pauses: list[float] = []
    with pytest.raises(mail.SendError, match="after 4 attempts") as failure:
        mail.send_digest(with_email(config, free_port()), sleep=pauses.append)  # nobody listens
    assert pauses == [10.0, 20.0, 40.0]
    assert "digest send" in str(failure.value)
    assert (config.paths.outbox / "digest-2026-11-21.html").exists()

    recorder = Recorder(failures=("550 no such user",))
    with smtp_server(recorder) as port, pytest.raises(mail.SendError, match="550 no such user"):
        mail.send_digest(with_email(config, port), sleep=never_pause)  # permanent: no retry


def test_send_picks_a_digest_by_name_or_path_and_defaults_to_the_latest(tmp_path):
    config = built(tmp_path)
    make_inbox(
        config.paths.inbox,
        {"storm-2.txt": STORM.replace("Schools in three", STORM_NEWS + " Schools in three")},
    )
    pipeline.build(config, now=NOW + timedelta(days=1))
    recorder = Recorder()
    with smtp_server(recorder) as port:
        config = with_email(config, port)
        assert mail.send_digest(config).issue.name == "digest-2026-11-22"
        assert mail.send_digest(config, "digest-2026-11-21").issue.name == "digest-2026-11-21"
        path = config.paths.outbox / "digest-2026-11-21.md"
        assert mail.send_digest(config, str(path)).issue.name == "digest-2026-11-21"
        with pytest.raises(DigestError, match="no digest named 'digest-1999-01-01'"):
            mail.send_digest(config, "digest-1999-01-01")
    subjects = [m["Subject"] for m in recorder.messages()]
    assert "· Sunday 22 November 2026 ·" in subjects[0]
    assert subjects[1:] == [subjects[1]] * 2 and "· Saturday 21 November 2026 ·" in subjects[1]


def test_a_digest_written_without_markdown_is_still_sent_with_both_parts(tmp_path):
    config = built(tmp_path, **{"digest.formats": ["html", "json"]})
    recorder = Recorder()
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port))
    [message] = recorder.messages()
    assert "Council approves harbour tram line" in message.get_body(("plain",)).get_content()


def cli_project(tmp_path, port: int, files: dict) -> str:
    make_inbox(tmp_path / "inbox", files)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[paths]\ntemplates = "{ROOT / "templates"}"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'sender = "digest@example.org"\nto = ["ann@example.org"]\n'
    )
    return str(config)


def test_build_send_and_send_commands(tmp_path):
    recorder = Recorder()
    with smtp_server(recorder) as port:
        config = cli_project(tmp_path, port, {"a.txt": RAIL_A, "c.txt": STORM})
        result = CliRunner().invoke(main, ["build", "--send", "--config", config])
        assert result.exit_code == 0, result.output
        assert "Mailed digest-" in result.output and "ann@example.org" in result.output
        again = CliRunner().invoke(main, ["send", "--config", config])
        assert again.exit_code == 0 and "Mailed digest-" in again.output
        missing = CliRunner().invoke(main, ["send", "nope", "--config", config])
        assert missing.exit_code == 1 and "no digest named 'nope'" in missing.output
    assert len(recorder.envelopes) == 2


def test_build_send_without_email_settings_fails_before_building(tmp_path):
    make_inbox(tmp_path / "inbox", {"c.txt": STORM})
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    config = str(tmp_path / "config.toml")
    result = CliRunner().invoke(main, ["build", "--send", "--config", config])
    assert result.exit_code == 1 and "email is not configured" in result.output
    assert (tmp_path / "inbox" / "c.txt").exists()
    dry = CliRunner().invoke(main, ["build", "--send", "--dry-run", "--config", config])
    assert dry.exit_code == 2


def test_the_daemon_mails_each_scheduled_digest_without_blocking_ingestion(tmp_path):
    answer = threading.Event()
    recorder = Recorder(hold=answer)  # a slow server: it answers when told to
    with smtp_server(recorder) as port:
        config = with_email(quick_config(tmp_path), port)
        (config.paths.inbox / "one.txt").write_text(article(1))
        with Running(config) as daemon:
            try:
                assert wait_for(lambda: queries.status(config).articles == 1)
                daemon.build_due.set()  # the schedule fires
                assert wait_for(lambda: recorder.attempts == 1)  # the server now holds its answer
                (config.paths.inbox / "two.txt").write_text(article(2))
                assert wait_for(lambda: queries.status(config).articles == 2)
                assert not recorder.envelopes  # stored while the digest was still being sent
                assert len(unmailed.owed(config)) == 1  # noted: a kill -9 now leaves it to resend
            finally:
                answer.set()  # a failed check leaves no server waiting
            assert wait_for(lambda: len(recorder.envelopes) == 1)
            assert wait_for(lambda: not unmailed.owed(config))
    assert not unmailed.path(config).exists()
    [message] = recorder.messages()
    assert "Report 1" in message.get_body(("plain",)).get_content()


def test_email_settings_are_validated(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[email]\nhost = "smtp://mail.example.org"\nport = 70000\nsecurity = "tls"\n'
        'password = "hunter2"\nsender = "digest"\nto = ["ok@example.org", "bad\\r\\nBcc: x@y"]\n'
        'password_env = "my password"\n'
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    for expected in (
        "email.host", "email.port", "unknown security 'tls'", "did you mean 'password_env'",
        "email.sender: not an email address", "email.to: not an email address",
        "email.password_env",
    ):  # fmt: skip
        assert expected in message
    assert not load_config(None).email.enabled


@pytest.mark.parametrize(
    "keys, problem",
    [
        ('host = "mail.example.org"\nto = "ann@example.org"', "email.sender is not set"),
        ('to = "ann@example.org"\nsender = "d@example.org"', "email.to is set but email.host"),
        ('host = "mail.example.org"\nto = []', "email.host is set but email.to is not"),
        (
            'host = "mail.example.org"\nto = "ann@example.org"\nusername = "d@example.org"',
            "email.username and email.password_env go together",
        ),
    ],
)
def test_email_keys_are_checked_together_when_the_config_is_read(tmp_path, keys, problem):
    path = tmp_path / "config.toml"
    path.write_text(f"[email]\n{keys}\n")
    with pytest.raises(ConfigError, match=problem):
        load_config(path)


def test_email_is_off_while_neither_host_nor_to_is_set(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[email]\nsecurity = "ssl"\nport = 465\nsender = "d@example.org"\n')
    settings = load_config(path).email  # the rest may stay while mail is switched off
    assert not settings.enabled and settings.port == 465


def test_email_needs_its_password_variable_before_anything_is_built(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGEST_TEST_SMTP_PASSWORD", raising=False)
    make_inbox(tmp_path / "inbox", {"c.txt": STORM})
    (tmp_path / "config.toml").write_text(
        f'[paths]\ntemplates = "{ROOT / "templates"}"\n'
        '[email]\nhost = "127.0.0.1"\nto = "ann@example.org"\nusername = "d@example.org"\n'
        'password_env = "DIGEST_TEST_SMTP_PASSWORD"\n'
    )
    config = load_config(tmp_path / "config.toml")  # the keys themselves are fine
    assert config.email.enabled and config.email.sender == ""  # From falls back to username
    command = ["build", "--send", "--config", str(tmp_path / "config.toml")]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1 and "DIGEST_TEST_SMTP_PASSWORD" in result.output
    assert (tmp_path / "inbox" / "c.txt").exists()  # nothing was built, moved or stored
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())
    stopped = threading.Event()
    stopped.set()  # without the check, run() would return at once rather than raise
    with pytest.raises(ConfigError, match="DIGEST_TEST_SMTP_PASSWORD"):
        Daemon(config).run(stopped)  # `digest run` stops at start, not after a digest
    assert (tmp_path / "inbox" / "c.txt").exists()


@contextmanager
def silent_server(greeting: bytes | None, context: ssl.SSLContext | None = None):
    """A bare TCP server on localhost (no SMTP): it sends `greeting` to each connection, or
    with `context` waits as a TLS server does for the client's handshake. Yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            if greeting is not None:
                connection.sendall(greeting)
            elif context is not None:
                connection.settimeout(10)
                with contextlib.suppress(OSError):
                    context.wrap_socket(connection, server_side=True)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=10)
        for connection in connections:
            connection.close()
        listener.close()


@pytest.mark.timeout(60)
def test_ssl_against_a_plain_port_fails_at_once_with_a_hint(tmp_path):
    config = built(tmp_path)
    with silent_server(b"220 mail.example.org ESMTP ready\r\n") as port:
        config = with_email(config, port, security="ssl")
        with pytest.raises(mail.SendError) as failure:
            mail.send_digest(config, sleep=never_pause)  # permanent: not retried
    message = str(failure.value)
    assert f"through 127.0.0.1:{port}:" in message
    assert 'this port does not speak TLS from the start; try security = "starttls"' in message


@pytest.mark.timeout(60)
def test_digest_send_against_a_plain_port_says_what_to_change(tmp_path):
    config = built(tmp_path)
    with silent_server(b"220 mail.example.org ESMTP ready\r\n") as port:
        (tmp_path / "config.toml").write_text(
            f'[paths]\ninbox = "{config.paths.inbox}"\noutbox = "{config.paths.outbox}"\n'
            f'state = "{config.paths.state}"\n[email]\nhost = "127.0.0.1"\nport = {port}\n'
            f'security = "ssl"\nsender = "d@example.org"\nto = "{TO[0]}"\n'
        )
        began = time.monotonic()
        result = CliRunner().invoke(main, ["send", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"127.0.0.1:{port}" in result.output and 'try security = "starttls"' in result.output
    assert time.monotonic() - began < 30  # not retried for a minute and more


@pytest.mark.timeout(60)
def test_plain_smtp_against_a_tls_port_hints_at_ssl(tmp_path, certificate):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    config = built(tmp_path)
    pauses: list[float] = []
    with silent_server(None, server_context) as port:
        settings = with_email(config, port, security="starttls").email
        message = mail.compose(mail.find_issue(config), settings, config)
        with pytest.raises(mail.SendError) as failure:
            mail.deliver(message, settings, attempts=2, sleep=pauses.append, send_seconds=1)
    assert f"127.0.0.1:{port}" in str(failure.value)
    assert "the server sent no greeting" in str(failure.value)
    assert 'try security = "ssl"' in str(failure.value)
    assert pauses == [10.0]  # on a port other than 465 it may be a slow server: tried again


def test_a_failed_attempt_names_the_server_and_port(tmp_path, caplog):
    config = built(tmp_path)
    recorder = Recorder(failures=("451 try again later",))
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port), sleep=lambda seconds: None)
    assert f"mailing through 127.0.0.1:{port} failed (attempt 1 of 4" in caplog.text
    assert mail.server_name(EmailSettings(host="::1", security="none")) == "[::1]:25"


@pytest.mark.parametrize(
    "host, security, refused",
    [
        ("mail.example.org", "none", True),
        ("127.0.0.1", "none", False),
        ("localhost", "none", False),
        ("::1", "none", False),
        ("mail.example.org", "starttls", False),
        ("mail.example.org", "ssl", False),
    ],
)
def test_a_password_never_crosses_the_network_unencrypted(tmp_path, host, security, refused):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[email]\nhost = "{host}"\nsecurity = "{security}"\nto = "ann@example.org"\n'
        'username = "d@example.org"\npassword_env = "DIGEST_SMTP_PASSWORD"\n'
    )
    if not refused:
        assert load_config(path).email.enabled
        return
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "email.password_env" in str(error.value)
    assert "mail.example.org unencrypted" in str(error.value)


def digests_of_one_day(tmp_path, **overrides):
    """A config whose outbox holds two digests of 21 November, the second updating a story."""
    config = built(tmp_path, **overrides)
    update = STORM.replace("Schools in three", STORM_NEWS + " Schools in three")
    make_inbox(config.paths.inbox, {"storm-2.txt": update})
    pipeline.build(config, now=NOW + timedelta(hours=9, minutes=30))
    return config


def test_two_digests_of_one_day_have_different_subjects(tmp_path):
    config = digests_of_one_day(tmp_path)
    recorder = Recorder()
    with smtp_server(recorder) as port:
        first = mail.send_digest(with_email(config, port), "digest-2026-11-21").issue
        second = mail.send_digest(with_email(config, port), "digest-2026-11-21-2").issue
    subjects = [m["Subject"] for m in recorder.messages()]
    assert subjects[0] == (
        f"Daily digest · Saturday 21 November 2026 · {first.headlines[0]} and 1 more"
    )
    later = f"{(NOW + timedelta(hours=9, minutes=30)):%H:%M}"
    day = "Daily digest · Saturday 21 November 2026"
    assert subjects[1] == f"{day}, {later} (no. 2) · {second.headlines[0]}"


def test_two_digests_built_in_one_minute_have_different_subjects(tmp_path):
    config = built(tmp_path)
    update = STORM.replace("Schools in three", STORM_NEWS + " Schools in three")
    make_inbox(config.paths.inbox, {"storm-2.txt": update})
    pipeline.build(config, now=NOW + timedelta(seconds=20))
    recorder = Recorder()
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port), "digest-2026-11-21")
        mail.send_digest(with_email(config, port), "digest-2026-11-21-2")
    first, second = (m["Subject"] for m in recorder.messages())
    assert first != second and "(no. 2)" in second


def test_the_plain_text_part_reads_as_text_with_its_links_as_addresses(tmp_path):
    config = built(tmp_path)
    recorder = Recorder()
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(config, port))
    text = recorder.messages()[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "](<" not in text and "**" not in text and "\\." not in text
    data = json.loads((config.paths.outbox / "digest-2026-11-21.json").read_text())
    for story in data["stories"]:
        assert story["headline"] in text
        for sentence in story["sentences"]:
            assert sentence["text"] in text  # quoted as it is, not escaped for Markdown
        for number, source in enumerate(story["articles"], start=1):
            assert f"[{number}] {source['source']}: {source['title']}" in text
            if source["url"]:
                assert f"\n    {source['url']}\n" in text  # the address on a line of its own


def test_links_to_earlier_digests_are_absolute_under_base_url_and_left_out_without(tmp_path):
    plain = digests_of_one_day(tmp_path / "plain")
    served = digests_of_one_day(tmp_path / "served", **{"digest.base_url": "https://ex.org/d"})
    recorder = Recorder()
    with smtp_server(recorder) as port:
        mail.send_digest(with_email(plain, port))
        mail.send_digest(with_email(served, port))
    [without, under] = recorder.messages()
    html = without.get_body(("html",)).get_content()
    assert "previously in the digest of 21 Nov" in html and 'href="digest-' not in html
    assert "digest-2026-11-21" not in without.get_body(("plain",)).get_content()
    html = under.get_body(("html",)).get_content()
    assert 'previously in <a href="https://ex.org/d/digest-2026-11-21.html"' in html
    text = under.get_body(("plain",)).get_content()
    assert "the digest of 21 Nov (https://ex.org/d/digest-2026-11-21.html)" in text
    assert "On the web: https://ex.org/d/digest-2026-11-21-2.html" in text
    assert '<a href="https://ex.org/d/digest-2026-11-21-2.html"' in html  # past Gmail's clip
    assert "Read it on the web" not in without.get_body(("html",)).get_content()
    # In the outbox, the link is relative without base_url (the page lies beside it).
    page = (plain.paths.outbox / "digest-2026-11-21-2.html").read_text()
    assert 'previously in <a href="digest-2026-11-21.html"' in page


@pytest.mark.timeout(60)
def test_the_daemon_mails_a_digest_whose_latest_copies_could_not_be_written(
    tmp_path, monkeypatch, caplog
):
    copies = no_space_for(lambda path: path.stem == "latest")
    monkeypatch.setattr(publish, "write_atomic", copies)
    recorder = Recorder()
    with smtp_server(recorder) as port:
        config = with_email(quick_config(tmp_path), port)
        (config.paths.inbox / "one.txt").write_text(article(1))
        with Running(config) as daemon:
            assert wait_for(lambda: queries.status(config).articles == 1)
            daemon.build_due.set()
            assert wait_for(lambda: len(recorder.envelopes) == 1)
    assert "could not be written: No space left on device" in caplog.text
    assert "Traceback" not in caplog.text and "unexpected error" not in caplog.text
    assert "Report 1" in recorder.messages()[0].get_body(("plain",)).get_content()


def test_no_greeting_on_the_tls_port_is_not_retried():
    settings = EmailSettings(host="mail.example.org", port=465, security="starttls")
    reason, permanent = mail._explain(TimeoutError("timed out"), "connect", settings)
    assert permanent and 'try security = "ssl"' in reason
    slow = replace(settings, port=587)
    assert mail._explain(TimeoutError("timed out"), "connect", slow)[1] is False
    assert mail._explain(TimeoutError("timed out"), "send", settings) == ("timed out", False)


def test_digest_send_refuses_a_password_in_the_clear_to_a_remote_host(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[email]\nhost = "mail.example.org"\nsecurity = "none"\nto = "ann@example.org"\n'
        'username = "d@example.org"\npassword_env = "DIGEST_SMTP_PASSWORD"\n'
    )
    result = CliRunner().invoke(main, ["send", "--config", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "email.password_env" in result.output and "unencrypted" in result.output
