"""One place that turns ``requests`` outcomes into the queue's error classes.

The distinction that matters for exactly-once publishing is whether the
request may have reached the platform: a refused connection did not (retry
safely), a read timeout or a connection dropped mid-response may have
(``OutcomeUnknown``: reconcile before resending).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from publisher.i18n import _
from publisher.platforms.base import OutcomeUnknown, PermanentError, RateLimited, TransientError

USER_AGENT = "publisher/0.1 (bilingual Welsh/English social-media publishing)"


def parse_reset(value: str | None, now: datetime | None = None) -> datetime | None:
    """A reset time from a header: epoch seconds, delta seconds, ISO 8601 or HTTP date."""
    if not value:
        return None
    value = value.strip()
    now = now or datetime.now(UTC)
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        if number > 1_000_000_000:  # an epoch timestamp
            return datetime.fromtimestamp(number, UTC)
        return datetime.fromtimestamp(now.timestamp() + number, UTC)  # Retry-After seconds
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _message(response: requests.Response) -> str:
    """The platform's own error text, whole: it is scrubbed of secrets before it is shortened."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)
        for key in ("error_description", "error", "message", "detail", "title"):
            if body.get(key):
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            return str(first.get("message") or first.get("detail") or first) if isinstance(first, dict) else str(first)
    return str(body)


def raise_for_status(
    response: requests.Response, redact: Callable[[str], str], reset_headers: tuple[str, ...] = ("retry-after",)
) -> None:
    """Raise the queue error matching ``response``'s status; return for 2xx/3xx."""
    status = response.status_code
    if status < 400:
        return
    message = redact(f"HTTP {status}: {_message(response)}")
    if status == 429:
        retry_at = None
        for header in reset_headers:
            retry_at = parse_reset(response.headers.get(header))
            if retry_at is not None:
                break
        raise RateLimited(message, retry_at=retry_at, status=status)
    if status >= 500:
        raise TransientError(message, status=status)
    raise PermanentError(message, status=status)


def pinned_session(base_url: str) -> requests.Session:
    """A kept-alive session for an adapter that talks to one host, with the environment read once.

    With ``trust_env`` on, ``requests`` reads the proxy variables, ``no_proxy``,
    the CA bundle variables and ``~/.netrc`` again on every call; for one host
    the answer cannot change, and reading it each time cost more CPU than the
    rest of a delivery (docs/architecture.md "Exactly once"). The proxies and CA
    bundle the environment names for ``base_url`` are fixed here instead;
    ``~/.netrc`` is never read, as every adapter sends its own credentials.
    """
    session = requests.Session()
    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    redact: Callable[[str], str],
    reset_headers: tuple[str, ...] = ("retry-after",),
    check: bool = True,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Make one HTTP call and classify its failure (see the module docstring)."""
    merged = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        response = session.request(method, url, timeout=timeout, headers=merged, **kwargs)
    except requests.exceptions.ConnectTimeout as exc:
        raise TransientError(
            redact(_("could not connect to %(host)s: %(error)s") % {"host": _host(url), "error": type(exc).__name__})
        ) from None
    except requests.exceptions.Timeout:
        raise OutcomeUnknown(
            redact(
                _("no answer from %(host)s within %(seconds)gs after sending; the post may exist")
                % {"host": _host(url), "seconds": timeout}
            )
        ) from None
    except requests.exceptions.ConnectionError as exc:
        if _refused(exc):
            raise TransientError(redact(_("could not connect to %(host)s") % {"host": _host(url)})) from None
        raise OutcomeUnknown(
            redact(_("the connection to %(host)s broke after sending; the post may exist") % {"host": _host(url)})
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise OutcomeUnknown(  # the answer broke off: the request itself was sent
            redact(_("the connection to %(host)s broke after sending; the post may exist") % {"host": _host(url)})
        ) from None
    except requests.exceptions.RequestException as exc:
        raise PermanentError(
            redact(_("bad request to %(host)s: %(error)s") % {"host": _host(url), "error": type(exc).__name__})
        ) from None
    if check:
        raise_for_status(response, redact, reset_headers)
    return response


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _refused(exc: Exception) -> bool:
    """True when the connection was never established (nothing was sent)."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "Connection refused", "NameResolutionError", "Failed to resolve")
    )
