"""`[pgpulse.alerts]` of secrets.toml: rules, channels, repeat interval. Secrets here are never shown.

```toml
[pgpulse.alerts]
repeat_minutes = 60          # a breach that goes on is notified again after this
interval_s = 300             # how often the running app evaluates (0: never, leave it to cron)
databases = ["production"]   # which databases the app evaluates (default: all configured)

[pgpulse.alerts.rules]
database_size = { enabled = true, threshold = 0.8 }      # share of the plan's size limit
slow_statements = { enabled = true, threshold = 100 }    # mean execution ms
active_connections = { enabled = true, threshold = 50 }  # active client sessions
critical_findings = { enabled = true }

[pgpulse.alerts.webhook]
url = "https://hooks.slack.com/services/..."
[pgpulse.alerts.email]
host = "smtp.example.com"
to = ["dba@example.com"]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lib.core.config import ConfigError, Settings, Thresholds

# rule -> (threshold's meaning, the Thresholds field that gives its default, what it watches)
RULES: dict[str, tuple[str, str | None, str]] = {
    "database_size": ("share of the plan's size limit", "database_size_ratio",
                      "Database size above a share of the plan's limit"),
    "slow_statements": ("mean execution time, ms", "slow_query_ms",
                        "Statements whose mean execution time is above the slow threshold"),
    "active_connections": ("active client sessions", "max_active_connections",
                           "More active client sessions than the limit, on the whole server"),
    "critical_findings": ("", None, "Any critical finding of the health checks"),
}
TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Rule:
    name: str
    enabled: bool = True
    threshold: float | None = None  # None: the Thresholds default

    def value(self, thresholds: Thresholds) -> float | None:
        default_field = RULES[self.name][1]
        if self.threshold is not None:
            return self.threshold
        return float(getattr(thresholds, default_field)) if default_field else None


@dataclass(frozen=True)
class Webhook:
    url: str = field(repr=False)  # the path often holds a token
    timeout_s: float = 5.0
    attempts: int = 3
    backoff_s: float = 1.0

    @property
    def display(self) -> str:
        return urlsplit(self.url).hostname or "(no host)"


@dataclass(frozen=True)
class Email:
    host: str
    to: tuple[str, ...]
    sender: str
    port: int = 587
    tls: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_s: float = 10.0
    attempts: int = 2
    backoff_s: float = 1.0

    @property
    def display(self) -> str:
        return f"{self.host}:{self.port} ({self.tls}) → {', '.join(self.to)}"


@dataclass(frozen=True)
class AlertConfig:
    rules: dict[str, Rule]
    webhook: Webhook | None = None
    email: Email | None = None
    repeat_minutes: float = 60.0
    interval_s: float = 300.0
    databases: tuple[str, ...] | None = None  # None: every configured database

    @property
    def channels(self) -> list[str]:
        return [name for name, c in (("webhook", self.webhook), ("email", self.email)) if c is not None]

    @property
    def repeat_s(self) -> float:
        return self.repeat_minutes * 60

    def targets(self, settings: Settings) -> list:
        if self.databases is None:
            return list(settings.databases)
        return [settings.database(name) for name in self.databases]


def _number(section: Mapping, key: str, default: float, where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool):
        raise ConfigError(f"{where} {key} must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} {key} must be a number, not {value!r}") from None


def _known(section: Mapping, allowed: set[str], where: str) -> None:
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(f"unknown key(s) in {where}: {', '.join(sorted(unknown))}")


def parse_rules(section: Mapping) -> dict[str, Rule]:
    _known(section, set(RULES), "[pgpulse.alerts.rules]")
    rules = {}
    for name in RULES:
        value = section.get(name, {})
        where = f"[pgpulse.alerts.rules.{name}]"
        if isinstance(value, bool):  # `slow_statements = false` switches a rule off
            value = {"enabled": value}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table like {{ enabled = true, threshold = 50 }}")
        _known(value, {"enabled", "threshold"}, where)
        threshold = value.get("threshold")
        rules[name] = Rule(name, bool(value.get("enabled", True)),
                           None if threshold is None else _number(value, "threshold", 0, where))
    return rules


def parse_webhook(section: Mapping | None) -> Webhook | None:
    if not section:
        return None
    where = "[pgpulse.alerts.webhook]"
    _known(section, {"url", "timeout_s", "attempts", "backoff_s"}, where)
    url = str(section.get("url") or "")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where} url must start with http:// or https://")
    return Webhook(url, _number(section, "timeout_s", 5, where), max(1, int(_number(section, "attempts", 3, where))),
                   _number(section, "backoff_s", 1, where))


def parse_email(section: Mapping | None) -> Email | None:
    if not section:
        return None
    where = "[pgpulse.alerts.email]"
    _known(section, {"host", "port", "tls", "username", "password", "from", "to", "timeout_s", "attempts",
                     "backoff_s"}, where)
    to = section.get("to") or []
    to = (to,) if isinstance(to, str) else tuple(str(t) for t in to)
    if not section.get("host") or not to:
        raise ConfigError(f"{where} needs host and to (one address or a list)")
    tls = str(section.get("tls", "starttls")).lower()
    if tls not in TLS_MODES:
        raise ConfigError(f"{where} tls must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[tls]
    return Email(host=str(section["host"]), to=to, sender=str(section.get("from") or f"pgpulse@{section['host']}"),
                 port=int(_number(section, "port", default_port, where)), tls=tls,
                 username=str(section.get("username", "")), password=str(section.get("password", "")),
                 timeout_s=_number(section, "timeout_s", 10, where),
                 attempts=max(1, int(_number(section, "attempts", 2, where))),
                 backoff_s=_number(section, "backoff_s", 1, where))


def parse(raw: Mapping | None) -> AlertConfig:
    raw = dict(raw or {})
    _known(raw, {"rules", "webhook", "email", "repeat_minutes", "interval_s", "databases"}, "[pgpulse.alerts]")
    databases = raw.get("databases")
    return AlertConfig(
        rules=parse_rules(raw.get("rules") or {}),
        webhook=parse_webhook(raw.get("webhook")),
        email=parse_email(raw.get("email")),
        repeat_minutes=_number(raw, "repeat_minutes", 60, "[pgpulse.alerts]"),
        interval_s=_number(raw, "interval_s", 300, "[pgpulse.alerts]"),
        databases=None if databases is None else tuple(str(d) for d in databases),
    )


def from_settings(settings: Settings) -> AlertConfig:
    return parse(settings.alerts)
