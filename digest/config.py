"""Configuration: defaults ← config.toml ← command-line overrides, validated all at once."""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from digest.crontab import cron_trigger
from digest.errors import ConfigError
from digest.language import LANGUAGES
from digest.models import FORMATS
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
class Config:
    paths: PathSettings = field(default_factory=PathSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    brief: BriefSettings = field(default_factory=BriefSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
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
        converted, problem = _convert(value, default, root)
        if problem is None:
            problem = _check(name, key, converted)
        if problem:
            errors.append(f"{name}.{key}: {problem}")
        else:
            kwargs[key] = converted
    if name == "paths":
        for key in known:
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
    if not settings.sender and "@" not in parseaddr(settings.username)[1]:
        problems.append("email.sender is not set (the From address of the digest)")
    if bool(settings.username) != bool(settings.password_env):
        problems.append(
            "email.username and email.password_env go together: set both to log in, or neither"
        )
    return problems


def _check(section: str, key: str, value: Any) -> str | None:
    """A problem with a well-typed value, or None."""
    checks = {
        ("schedule", "cron"): _check_cron,
        ("schedule", "timezone"): _check_timezone,
        ("digest", "formats"): _check_formats,
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
}
# Upper bounds: beyond them a value is a typo, and date or size arithmetic would overflow.
_AT_MOST = {
    ("stories", "window_days"): 36500,  # a century
    ("inbox", "max_file_mb"): 10000,
    ("watch", "settle_seconds"): 3600,
}


def _check_cron(value: str) -> str | None:
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
    unknown = [v for v in value if v not in FORMATS]
    if unknown or not value:
        return f"unknown format(s) {unknown or value}; choose from {', '.join(FORMATS)}"
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
    if value and (
        any(ord(c) < 32 or ord(c) == 127 for c in value) or "@" not in parseaddr(value)[1]
    ):
        return f"not an email address: {value!r}"
    return None


def _check_addresses(value: tuple[str, ...]) -> str | None:
    problems = [problem for address in value if (problem := _check_address(address))]
    return problems[0] if problems else None


def _suggest(name: str, options: Any) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
