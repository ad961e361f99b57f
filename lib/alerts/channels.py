"""Sending one message: a webhook POST (Slack `text`, Discord `content`, generic JSON) or an SMTP e-mail.

Transient failures (timeouts, refused connections, HTTP 5xx and 429) are retried with exponential
backoff; the outcome, success or not, comes back as a Delivery with a sentence. Messages never
contain the webhook's path or the SMTP password.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from lib.alerts.config import Email, Webhook

DISCORD_LIMIT = 2000  # characters of `content` Discord accepts


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    attempts: int
    detail: str


@dataclass(frozen=True)
class Message:
    subject: str  # one line
    text: str  # the body people read
    data: dict  # the machine-readable alert, for generic receivers

    def payload(self) -> dict:
        text = f"{self.subject}\n{self.text}".strip() if self.text else self.subject
        return {"text": text, "content": text[:DISCORD_LIMIT], "pgpulse": self.data}


class _Retry(Exception):
    """A failure worth another attempt."""


def _retrying(attempts: int, backoff_s: float, once) -> tuple[int, str | None]:
    """Call `once()` up to `attempts` times while it raises _Retry; (attempts made, last failure or None)."""
    failure = None
    for attempt in range(1, attempts + 1):
        try:
            once()
            return attempt, None
        except _Retry as exc:
            failure = str(exc)
            if attempt < attempts:
                time.sleep(backoff_s * 2 ** (attempt - 1))
    return attempts, failure


def _delivery(channel: str, attempts: int, backoff_s: float, once, final: list[str], success: str) -> Delivery:
    """Run `once` with retries; `final` collects a failure that no retry can fix (it stops at once)."""
    made, failure = _retrying(attempts, backoff_s, once)
    if final:
        return Delivery(channel, False, made, final[0])
    if failure:
        return Delivery(channel, False, made, f"{failure} (gave up after {made} attempts)")
    return Delivery(channel, True, made, success)


def post_webhook(hook: Webhook, message: Message) -> Delivery:
    body = json.dumps(message.payload(), default=str).encode()
    final: list[str] = []

    def once() -> None:
        request = urllib.request.Request(hook.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "pgpulse"})
        try:
            with urllib.request.urlopen(request, timeout=hook.timeout_s) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code} from {hook.display}"
            if exc.code >= 500 or exc.code == 429:
                raise _Retry(reason) from None
            final.append(reason + " (not retried: the receiver refused the message)")
        except TimeoutError:
            raise _Retry(f"{hook.display} did not answer within {hook.timeout_s:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _Retry(f"{hook.display} did not answer within {hook.timeout_s:g} s") from None
            raise _Retry(f"could not reach {hook.display}: {reason}") from None
        except (ConnectionError, OSError) as exc:
            raise _Retry(f"could not reach {hook.display}: {exc}") from None

    return _delivery("webhook", hook.attempts, hook.backoff_s, once, final, f"delivered to {hook.display}")


def send_email(mail: Email, message: Message) -> Delivery:
    msg = EmailMessage()
    msg["Subject"] = message.subject
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    msg.set_content(message.text or message.subject)
    final: list[str] = []
    where = f"{mail.host}:{mail.port}"

    def once() -> None:
        context = ssl.create_default_context()
        try:
            if mail.tls == "ssl":
                client = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout_s, context=context)
            else:
                client = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_s)
            with client:
                client.ehlo()
                if mail.tls == "starttls":
                    client.starttls(context=context)
                    client.ehlo()
                if mail.username:
                    client.login(mail.username, mail.password)
                client.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            final.append(f"the SMTP server {where} refused the user name or password ({exc.smtp_code} "
                         f"{_text(exc.smtp_error)}): fix username/password in [pgpulse.alerts.email]")
        except smtplib.SMTPNotSupportedError as exc:
            final.append(f"the SMTP server {where} does not support what was asked ({exc}): check tls and "
                         "username in [pgpulse.alerts.email]")
        except smtplib.SMTPRecipientsRefused as exc:
            final.append(f"the SMTP server {where} refused the recipients {', '.join(exc.recipients)}")
        except smtplib.SMTPResponseException as exc:
            reason = f"the SMTP server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise _Retry(reason) from None
            final.append(reason)
        except ssl.SSLError as exc:
            final.append(f"TLS with {where} failed ({exc.reason or exc}): check tls and port")
        except TimeoutError:
            raise _Retry(f"the SMTP server {where} did not answer within {mail.timeout_s:g} s") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Retry(f"could not talk to the SMTP server {where}: {exc}") from None

    return _delivery("email", mail.attempts, mail.backoff_s, once, final, f"sent to {', '.join(mail.to)} via {where}")


def _text(value) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def deliver(config, message: Message) -> list[Delivery]:
    """Send to every configured channel; an empty list when none is configured."""
    out = []
    if config.webhook is not None:
        out.append(post_webhook(config.webhook, message))
    if config.email is not None:
        out.append(send_email(config.email, message))
    return out
