"""Configuration: defaults ← config.toml ← command-line overrides, validated all at once."""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from digest.errors import ConfigError
from digest.models import FORMATS, LANGUAGES
from digest.summarizers.names import METHODS


@dataclass(frozen=True, slots=True)
class PathSettings:
    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    templates: Path = Path("templates")
    state: Path = Path("outbox/.digest/state.sqlite3")


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    cron: str = "0 7 * * *"
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class DigestSettings:
    title: str = "Daily digest"
    formats: tuple[str, ...] = FORMATS
    max_stories: int = 0  # 0: every story with news
    intro: str = ""  # Markdown shown under the title
    base_url: str = ""  # where the outbox is served: the feed's and mail's links are absolute


@dataclass(frozen=True, slots=True)
class BriefSettings:
    method: str = "digest"
    words: int = 120
    sentences: int = 0  # when above 0, the length is counted in sentences instead of words
    language: str = "auto"
    updates: bool = True  # a story shown before is briefed on what is new since


@dataclass(frozen=True, slots=True)
class StorySettings:
    threshold: float = 0.18  # cosine to a story's centroid; docs/quality.md has the sweep
    window_days: int = 1000  # labelled stories go quiet for up to two years, then resume


@dataclass(frozen=True, slots=True)
class InboxSettings:
    max_file_mb: float = 20.0


@dataclass(frozen=True, slots=True)
class WatchSettings:
    polling: bool = False
    settle_seconds: float = 1.0


SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """Where each digest is mailed; disabled while `host` or `to` is unset."""

    host: str = ""
    port: int = 0  # 0: the usual port of `security` (587, 465 or 25)
    security: str = "starttls"
    username: str = ""
    password_env: str = ""  # name of the environment variable holding the password
    sender: str = ""  # the From address; `username` when it is an address
    to: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.to)


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed the user subscribed to."""

    url: str
    name: str = ""  # shown as the articles' source instead of the feed's own title
    full_text: bool = False  # fetch each entry's linked page: the feed carries summaries only


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """The feeds `digest fetch` (and `digest run` every `interval` minutes) fetch into the inbox."""

    subscriptions: tuple[Subscription, ...] = ()
    opml: Path = Path("subscriptions.opml")  # more subscriptions, as feed readers export them
    interval: float = 30.0  # minutes between fetches in `digest run`; 0: only `digest fetch`
    timeout_seconds: float = 20.0  # one request, from connecting to the last byte
    deadline_seconds: float = 300.0  # one whole fetch of every feed
    max_mb: float = 10.0  # one response body, once decompressed
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Config:
    paths: PathSettings = field(default_factory=PathSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    brief: BriefSettings = field(default_factory=BriefSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    root: Path = Path(".")  # the folder relative paths were resolved against


_SECTION_CLASSES = {
    "paths": PathSettings,
    "schedule": ScheduleSettings,
    "digest": DigestSettings,
    "brief": BriefSettings,
    "stories": StorySettings,
    "inbox": InboxSettings,
    "watch": WatchSettings,
    "email": EmailSettings,
    "feeds": FeedSettings,
}


def find_config(given: Path | str | None = None) -> Path | None:
    """The config file a command uses: `given` (--config), else $DIGEST_CONFIG, else
    ./config.toml, else $XDG_CONFIG_HOME/digest/config.toml (~/.config/digest/config.toml);
    None when there is none (all defaults). A file named by --config or $DIGEST_CONFIG is used
    even when missing, so that load_config can say so."""
    if given is not None:
        return Path(given)
    if os.environ.get("DIGEST_CONFIG"):
        return Path(os.environ["DIGEST_CONFIG"])
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for candidate in (Path("config.toml"), xdg / "digest" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str | None = None, **overrides: Any) -> Config:
    """Read and validate a config file; `overrides` look like {"brief.words": 80}.

    A missing default `config.toml` means "all defaults"; a missing file named explicitly is an
    error. Every problem found is reported in one ConfigError.
    """
    explicit = path is not None
    config_path = Path(path if path is not None else "config.toml")
    raw: dict[str, Any] = {}
    if config_path.is_file():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{config_path}: not valid TOML: {error}") from None
    elif explicit:
        raise ConfigError(f"{config_path}: no such config file")
    for dotted, value in overrides.items():
        if value is not None:
            section, key = dotted.split(".", 1)
            raw.setdefault(section, {})[key] = value
    root = config_path.resolve().parent
    raw.setdefault("paths", {})
    raw.setdefault("feeds", {})  # its OPML path resolves against the config's folder too
    errors: list[str] = []
    sections = {}
    for name, value in raw.items():
        if name not in _SECTION_CLASSES:
            errors.append(f"unknown section [{name}]{_suggest(name, _SECTION_CLASSES)}")
        elif not isinstance(value, dict):
            errors.append(f"[{name}] must be a table of keys")
        else:
            found = len(errors)
            sections[name] = _build_section(name, value, root, errors)
            if name == "email" and len(errors) == found:  # keys that are fine one by one
                errors.extend(email_problems(sections[name]))
    config = Config(root=root, **sections)
    if "paths" in sections:
        errors.extend(path_problems(config.paths))
    if errors:
        where = config_path if config_path.is_file() else "configuration"
        raise ConfigError(f"{where} has {len(errors)} error(s):\n  " + "\n  ".join(errors))
    return config


def _build_section(name: str, values: dict[str, Any], root: Path, errors: list[str]) -> Any:
    cls = _SECTION_CLASSES[name]
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs = {}
    for key, value in values.items():
        if key not in known:
            errors.append(f"unknown key {name}.{key}{_suggest(key, known)}")
            continue
        default = getattr(defaults, key)
        if (name, key) == ("feeds", "subscriptions"):
            converted, problem = _subscriptions(value)
        else:
            converted, problem = _convert(value, default, root)
        if problem is None:
            problem = _check(name, key, converted)
        if problem is None and (name, key) == ("digest", "base_url") and converted:
            converted = converted.strip().rstrip("/") + "/"  # a folder: names are appended
        if problem:
            errors.append(f"{name}.{key}: {problem}")
        else:
            kwargs[key] = converted
    if name in ("paths", "feeds"):
        for key in known:
            if isinstance(getattr(defaults, key), Path):
                kwargs.setdefault(key, root / getattr(defaults, key))
    return replace(defaults, **kwargs)


def _convert(value: Any, default: Any, root: Path) -> tuple[Any, str | None]:
    expected = type(default)
    if isinstance(default, Path):
        if not isinstance(value, (str, Path)) or not str(value).strip():
            return None, "expected a path (a non-empty string)"
        if "\x00" in str(value):
            return None, "a path cannot hold a NUL byte (\\x00)"
        return (root / Path(value).expanduser()), None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return None, f"expected true or false, got {value!r}"
        return value, None
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"expected a number, got {value!r}"
        if not math.isfinite(value):
            return None, f"expected a finite number, got {value!r}"
        return float(value), None
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"expected a whole number, got {value!r}"
        return value, None
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, f"expected a list of strings, got {value!r}"
        return tuple(value), None
    if not isinstance(value, expected):
        return None, f"expected a {expected.__name__}, got {value!r}"
    return value, None


def path_problems(paths: PathSettings) -> list[str]:
    """What is wrong with the folders taken together: every file at the top of the inbox is
    read and filed away, so neither the state nor the digests may be written there."""
    inbox = paths.inbox.resolve()
    problems = []
    state = paths.state.resolve()
    if inbox == state or inbox in state.parents:
        problems.append(
            f"paths.state ({paths.state}) is inside paths.inbox ({paths.inbox}): the database "
            "would be read as news and filed away; keep the state outside the inbox"
        )
    if paths.outbox.resolve() == inbox:
        problems.append(
            f"paths.outbox and paths.inbox are the same folder ({paths.inbox}): digests would be "
            "read as news and filed away; give them separate folders"
        )
    return problems


def email_problems(settings: EmailSettings) -> list[str]:
    """What is wrong with the [email] keys taken together (each key is checked on its own).

    Email is off while neither `host` nor `to` is set, whatever the other keys say; one of the
    two without the other is a mistake worth stopping for, not a quiet "off".
    """
    if not settings.host and not settings.to:
        return []
    if not settings.enabled:
        given, missing = ("host", "to") if settings.host else ("to", "host")
        return [f"email.{given} is set but email.{missing} is not: set both to mail each digest"]
    problems = []
    if settings.security == "none" and settings.password_env and not is_local(settings.host):
        problems.append(
            f'email.password_env: with email.security = "none" the password would cross the'
            f' network to {settings.host} unencrypted; use "starttls" or "ssl" (only a'
            " local server, localhost, 127.0.0.1 or ::1, may take one without)"
        )
    if not settings.sender and "@" not in _address(settings.username):
        problems.append("email.sender is not set (the From address of the digest)")
    if bool(settings.username) != bool(settings.password_env):
        problems.append(
            "email.username and email.password_env go together: set both to log in, or neither"
        )
    return problems


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_local(host: str) -> bool:
    """True for a mail server on this machine, where no password crosses a network."""
    return host.strip("[]").lower().rstrip(".") in LOCAL_HOSTS


def _check(section: str, key: str, value: Any) -> str | None:
    """A problem with a well-typed value, or None."""
    checks = {
        ("schedule", "cron"): _check_cron,
        ("schedule", "timezone"): _check_timezone,
        ("digest", "formats"): _check_formats,
        ("digest", "base_url"): _check_base_url,
        ("brief", "method"): _check_method,
        ("brief", "language"): _check_language,
        ("email", "host"): _check_host,
        ("email", "port"): _check_port,
        ("email", "security"): _check_security,
        ("email", "password_env"): _check_variable_name,
        ("email", "sender"): _check_address,
        ("email", "to"): _check_addresses,
    }
    if (section, key) in checks:
        return checks[(section, key)](value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return f"must not be negative, got {value}"
    if (section, key) in _ABOVE_ZERO and value == 0:
        return f"must be above 0, got 0 ({_ABOVE_ZERO[section, key]})"
    if (section, key) == ("stories", "threshold") and not 0 < value < 1:
        return f"must be between 0 and 1, got {value}"
    if (section, key) in _AT_MOST and value > (most := _AT_MOST[section, key]):
        return f"must be at most {most}, got {value}"
    return None


# Keys where 0 cannot mean "no limit" (as it does for digest.max_stories and brief.sentences).
_ABOVE_ZERO = {
    ("inbox", "max_file_mb"): "every file would be rejected; the size limit cannot be turned off",
    ("brief", "words"): "a brief of no words; count in sentences with brief.sentences instead",
    ("feeds", "timeout_seconds"): "every request would fail at once",
    ("feeds", "deadline_seconds"): "every fetch would stop before it starts",
    ("feeds", "max_mb"): "every feed would be refused; the size limit cannot be turned off",
}
# Upper bounds: beyond them a value is a typo, and date or size arithmetic would overflow.
_AT_MOST = {
    ("stories", "window_days"): 36500,  # a century
    ("inbox", "max_file_mb"): 10000,
    ("watch", "settle_seconds"): 3600,
    ("feeds", "interval"): 10080,  # a week
    ("feeds", "timeout_seconds"): 3600,
    ("feeds", "deadline_seconds"): 86400,
    ("feeds", "max_mb"): 1000,
    ("feeds", "max_redirects"): 20,
}


def _address(value: str) -> str:
    from email.utils import parseaddr  # the email package: imported by the configs that mail

    return parseaddr(value)[1]


def _check_cron(value: str) -> str | None:
    # APScheduler (some 40 ms) checks the crontab as the daemon will read it: imported only by a
    # config that sets one, and a second reading of crontabs here could disagree with the daemon's.
    from digest.crontab import cron_trigger

    if len(value.split()) != 5:
        return f"expected a 5-field crontab such as '0 7 * * *', got {value!r}"
    try:
        cron_trigger(value, zoneinfo.ZoneInfo("UTC"))
    except ValueError as error:
        return f"not a valid crontab ({error})"
    return None


def _check_timezone(value: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown IANA time zone {value!r} (for example 'UTC' or 'Europe/Paris')"
    return None


def _check_formats(value: tuple[str, ...]) -> str | None:
    if not value:
        return f"at least one format is needed; choose from {', '.join(FORMATS)}"
    unknown = [v for v in value if v not in FORMATS]
    if unknown:
        return f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}"
    return None


def _check_base_url(value: str) -> str | None:
    if not value:
        return None
    problem = url_problem(value)
    if problem or "?" in value or "#" in value:
        return (
            "expected the http(s) address the outbox is served at, such as"
            f" 'https://example.org/digest/', got {value!r}"
        )
    return None


def _check_method(value: str) -> str | None:
    if value not in METHODS:
        return f"unknown method {value!r}; choose from {', '.join(sorted(METHODS))}"
    return None


def _check_language(value: str) -> str | None:
    if value != "auto" and value not in LANGUAGES:
        return f"unknown language {value!r}; choose 'auto' or one of {', '.join(LANGUAGES)}"
    return None


def _check_host(value: str) -> str | None:
    if value and (any(c.isspace() for c in value) or "/" in value):
        return f"expected a host name such as 'smtp.example.org', got {value!r}"
    return None


def _check_port(value: int) -> str | None:
    if not 0 <= value <= 65535:
        return f"must be between 0 and 65535 (0: the usual port), got {value}"
    return None


def _check_security(value: str) -> str | None:
    if value not in SECURITY:
        return f"unknown security {value!r}; choose from {', '.join(SECURITY)}"
    return None


def _check_variable_name(value: str) -> str | None:
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return (
            "expected the name of an environment variable that holds the password"
            f" (the password itself never goes in the config), got {value!r}"
        )
    return None


def _check_address(value: str) -> str | None:
    if value and (any(ord(c) < 32 or ord(c) == 127 for c in value) or "@" not in _address(value)):
        return f"not an email address: {value!r}"
    return None


def _check_addresses(value: tuple[str, ...]) -> str | None:
    problems = [problem for address in value if (problem := _check_address(address))]
    return problems[0] if problems else None


_SUBSCRIPTION_KEYS = {f.name for f in fields(Subscription)}


def _subscriptions(value: Any) -> tuple[tuple[Subscription, ...] | None, str | None]:
    """[[feeds.subscriptions]] tables (or plain URLs) as Subscriptions, or every problem."""
    if not isinstance(value, list):
        return None, "expected a list of subscriptions ([[feeds.subscriptions]] with url = ...)"
    found, problems = [], []
    for number, item in enumerate(value, start=1):
        subscription, problem = _subscription(item)
        if problem:
            problems.append(f"subscription {number}: {problem}")
        elif subscription is not None:
            found.append(subscription)
    return (None, "; ".join(problems)) if problems else (tuple(found), None)


def _subscription(item: Any) -> tuple[Subscription | None, str | None]:
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict):
        return None, f"expected a table with url = ..., got {item!r}"
    unknown = sorted(set(item) - _SUBSCRIPTION_KEYS)
    if unknown:
        return None, f"unknown key {unknown[0]!r}{_suggest(unknown[0], _SUBSCRIPTION_KEYS)}"
    url, name, full_text = item.get("url"), item.get("name", ""), item.get("full_text", False)
    if problem := url_problem(url):
        return None, problem
    if not isinstance(name, str):
        return None, f"name: expected a string, got {name!r}"
    if not isinstance(full_text, bool):
        return None, f"full_text: expected true or false, got {full_text!r}"
    return Subscription(url.strip(), " ".join(name.split()), full_text), None


def url_problem(url: object) -> str | None:
    """Why `url` cannot be fetched as a feed (only http and https are), or None."""
    from urllib.parse import urlsplit

    if not isinstance(url, str) or not url.strip():
        return f"url: expected an http or https address, got {url!r}"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return f"url: not a valid address: {url!r}"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"url: only http and https addresses are fetched, got {url!r}"
    if any(c.isspace() or ord(c) < 32 for c in url.strip()):
        return f"url: an address cannot hold spaces or control characters: {url!r}"
    return None


def _suggest(name: str, options: Any) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
