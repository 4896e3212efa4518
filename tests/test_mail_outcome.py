"""What a send reports: recipients the server refused, and mail a stopped daemon still owed."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from digest import mail, queries, unmailed
from digest.cli import main
from digest.config import load_config

from .conftest import ROOT
from .test_daemon import Running, article, quick_config, wait_for
from .test_mail import Recorder, built, free_port, make_inbox, smtp_server, with_email
from .test_pipeline import RAIL_A, STORM


class Refusing(Recorder):
    """An SMTP handler that refuses the recipients of `refusals` ({address: answer})."""

    def __init__(self, refusals: dict[str, str]) -> None:
        super().__init__()
        self.refusals = refusals

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


def project(tmp_path, port: int, to: list[str]) -> str:
    """A config file mailing to `to` through the server on `port`, over an inbox of two files."""
    make_inbox(tmp_path / "inbox", {"a.txt": RAIL_A, "c.txt": STORM})
    path = tmp_path / "config.toml"
    recipients = ", ".join(f'"{address}"' for address in to)
    path.write_text(
        f'[paths]\ntemplates = "{ROOT / "templates"}"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'sender = "digest@example.org"\nto = [{recipients}]\n'
    )
    return str(path)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", [["build", "--send"], ["send"]])
def test_a_partly_refused_send_names_who_got_it_and_who_did_not(tmp_path, command):
    recorder = Refusing({"bad@example.org": "550 no such user"})
    with smtp_server(recorder) as port:
        config = project(tmp_path, port, ["me@example.org", "bad@example.org"])
        if command == ["send"]:
            assert CliRunner().invoke(main, ["build", "--config", config]).exit_code == 0
        result = CliRunner().invoke(main, [*command, "--config", config])
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["me@example.org"]
    assert result.exit_code == 1 and "Traceback" not in result.output
    [mailed] = [line for line in result.output.splitlines() if line.startswith("Mailed ")]
    assert mailed.endswith(" to me@example.org.") and "bad@" not in mailed
    assert "bad@example.org (550 no such user)" in result.output
    assert "b'" not in result.output and "tries again" not in result.output


@pytest.mark.timeout(60)
def test_a_send_every_recipient_of_which_is_refused_is_a_clean_error(tmp_path):
    config = built(tmp_path)
    to = ("ann@example.org", "bob@example.org")
    recorder = Refusing({to[0]: "550 no such user", to[1]: "553 mailbox name not allowed"})
    with smtp_server(recorder) as port, pytest.raises(mail.SendError) as failure:
        mail.send_digest(with_email(config, port, to=to), sleep=never_pause)
    message = str(failure.value)
    assert "ann@example.org (550 no such user)" in message
    assert "bob@example.org (553 mailbox name not allowed)" in message
    assert "{" not in message and "b'" not in message and "tries again" not in message
    assert not recorder.envelopes


@pytest.mark.timeout(60)
def test_a_temporary_refusal_of_every_recipient_is_retried_and_says_so(tmp_path):
    config = built(tmp_path)
    to = ("ann@example.org",)
    pauses: list[float] = []
    recorder = Refusing({to[0]: "450 mailbox busy"})
    with smtp_server(recorder) as port, pytest.raises(mail.SendError) as failure:
        mail.send_digest(with_email(config, port, to=to), sleep=pauses.append)
    assert pauses == [10.0, 20.0, 40.0]
    message = str(failure.value)
    assert "ann@example.org (450 mailbox busy)" in message
    assert "`digest send digest-2026-11-21` tries again" in message


def test_a_refused_recipient_is_told_as_text(tmp_path, caplog):
    config = built(tmp_path)
    recorder = Refusing({"bob@example.org": "550 no such user"})
    with smtp_server(recorder) as port:
        mailed = mail.send_digest(with_email(config, port))
    assert mailed.accepted == ("ann@example.org",)
    assert mailed.refused == {"bob@example.org": "550 no such user"}
    assert mailed.refusal() == (
        f"digest-2026-11-21 was not mailed to 1 of 2 recipient(s): 127.0.0.1:{port} refused"
        " bob@example.org (550 no such user); check [email] to"
    )
    assert "mailed digest-2026-11-21 to ann@example.org\n" in caplog.text


def never_pause(seconds: float) -> None:
    raise AssertionError(f"a failure that cannot pass was retried (after {seconds} s)")


@pytest.mark.timeout(90)
def test_stopping_the_daemon_while_mail_is_retried_says_so_and_the_next_start_mails_it(
    tmp_path, caplog
):
    config = with_email(quick_config(tmp_path), free_port())  # nobody listens there
    (config.paths.inbox / "one.txt").write_text(article(1))
    with Running(config) as daemon:
        assert wait_for(lambda: queries.status(config).articles == 1)
        daemon.build_due.set()
        assert wait_for(lambda: "failed (attempt 1 of 4" in caplog.text)
        began = time.monotonic()
    assert time.monotonic() - began < 5  # the pause before the next attempt is cut short
    [name] = [p.stem for p in config.paths.outbox.glob("digest-*.json")]
    assert f"{name} was not mailed" in caplog.text
    assert f"`digest send {name}`" in caplog.text
    assert list(unmailed.owed(config)) == [name]
    assert [u.name for u in queries.status(config).unmailed] == [name]

    recorder = Recorder()
    with smtp_server(recorder) as port:
        config = with_email(config, port)
        with Running(config):
            assert wait_for(lambda: len(recorder.envelopes) == 1)
            assert wait_for(lambda: not unmailed.owed(config))
    assert "Report 1" in recorder.messages()[0].get_body(("plain",)).get_content()


def test_status_lists_digests_not_mailed_and_a_send_clears_them(tmp_path):
    recorder = Recorder()
    with smtp_server(recorder) as port:
        config_file = project(tmp_path, port, ["me@example.org"])
        assert CliRunner().invoke(main, ["build", "--config", config_file]).exit_code == 0
        config = load_config(config_file)
        [name] = [p.stem for p in config.paths.outbox.glob("digest-*.json")]
        unmailed.owe(config, name, "the daemon stopped before it was mailed")
        status = CliRunner().invoke(main, ["status", "--config", config_file])
        assert f"not mailed:        {name} (the daemon stopped before it was mailed)" in (
            status.output
        )
        as_json = CliRunner().invoke(main, ["status", "--json", "--config", config_file])
        assert f'"name": "{name}"' in as_json.output
        sent = CliRunner().invoke(main, ["send", name, "--config", config_file])
        assert sent.exit_code == 0, sent.output
        assert not unmailed.owed(config)
        status = CliRunner().invoke(main, ["status", "--config", config_file])
        assert "not mailed" not in status.output
