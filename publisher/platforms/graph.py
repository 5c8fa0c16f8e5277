"""The Meta Graph API (Facebook Pages, Instagram) over requests: never facebook-sdk.

facebook-sdk is unmaintained since 2018 and refuses every API version after
3.1, so the version is ours to choose: the account option ``graph_version``
(default :data:`DEFAULT_VERSION`).

Graph errors need their own reading: rate limits arrive as HTTP 400/403 with
error codes 4, 17, 32, 613 (or 80001-80014), and ``is_transient`` marks
errors worth retrying.

The token debugger (``GET /debug_token``) says when a token expires and when
its data access does; ``accounts check`` warns before either
(docs/platforms.md "Accounts check"). Threads speaks the same dialect on its
own host.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from publisher.i18n import _
from publisher.platforms.base import (
    LOOKBACK_PAGES,
    IncomingMessage,
    PermanentError,
    Platform,
    RateLimited,
    TransientError,
    looked_back_too_far,
)
from publisher.platforms.http import parse_reset, pinned_session, send

DEFAULT_API = "https://graph.facebook.com"
DEFAULT_VERSION = "v24.0"
RATE_LIMIT_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
EPOCH = "1970-01-01T00:00:00+0000"


def graph_time(value: str) -> datetime:
    """A Graph timestamp (``2027-01-12T10:00:00+0000``) as an aware datetime."""
    stamp = value.replace("Z", "+00:00")
    if len(stamp) > 5 and stamp[-5] in "+-" and stamp[-3] != ":":
        stamp = stamp[:-2] + ":" + stamp[-2:]
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def since_of(cursor: str | None) -> datetime | None:
    """The inbox cursor of the Graph platforms: the newest comment time collected."""
    stamp = json.loads(cursor).get("since") if cursor else None
    return datetime.fromisoformat(stamp) if stamp else None


def cursor_of(since: datetime | None) -> str | None:
    return json.dumps({"since": since.isoformat()}) if since else None


def latest(current: datetime | None, messages: Iterable[IncomingMessage]) -> datetime | None:
    """The newest of ``current`` and the messages' times (the next cursor)."""
    times = [m.created_at for m in messages] + ([current] if current else [])
    return max(times) if times else None


def token_expiry(data: dict[str, Any]) -> tuple[datetime | None, str]:
    """(the earliest expiry, what expires) from a token debugger answer; (None, a sentence) when nothing does."""
    moments = []
    for key, what in (("expires_at", _("the token")), ("data_access_expires_at", _("the token's data access"))):
        value = data.get(key)
        if isinstance(value, int | float) and value > 0:
            moments.append((datetime.fromtimestamp(value, UTC), what))
    if not moments:
        return None, _("the token never expires")
    return min(moments)


class GraphPlatform(Platform):
    """Shared plumbing for Graph API accounts (and Threads, which speaks the same dialect)."""

    default_api_base = DEFAULT_API
    version_option: ClassVar[str] = "graph_version"
    default_version: ClassVar[str] = DEFAULT_VERSION

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = pinned_session(self.api_base)  # every Graph call goes to api_base
        self.version = self.account.option(self.version_option) or self.default_version

    def token(self) -> str:
        raise NotImplementedError

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a Graph edge, page after page (``paging.cursors.after``), up to LOOKBACK_PAGES pages."""
        for _step in range(LOOKBACK_PAGES):
            body = self.graph("GET", path, params=params)
            yield from body.get("data", [])
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not after or not paging.get("next"):
                return
            params = {**params, "after": after}
        raise looked_back_too_far(self.name, LOOKBACK_PAGES)

    def token_status(self) -> tuple[datetime | None, str]:
        """When the token (or its data access) expires, from the token debugger; PermanentError if it is invalid."""
        token = self.token()
        data = self.graph("GET", "debug_token", params={"input_token": token}).get("data") or {}
        if not data.get("is_valid", False):
            error = data.get("error") or {}
            reason = error.get("message") if isinstance(error, dict) else None
            raise PermanentError(
                self.redact(
                    _("the access token is not valid: %(reason)s") % {"reason": reason or _("the platform refused it")}
                )
            )
        return token_expiry(data)

    def graph(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: Any = None,
    ) -> dict[str, Any]:
        """Call ``/<version>/<path>`` with the token; classify Graph errors; return the JSON body."""
        url = f"{self.api_base}/{self.version}/{path.lstrip('/')}"
        if method == "GET":
            params = {**(params or {}), "access_token": self.token()}
        else:
            data = {**(data or {}), "access_token": self.token()}
        response = send(
            self.session,
            method,
            url,
            timeout=self.timeout,
            redact=self.redact,
            check=False,
            params=params,
            data=data,
            files=files,
        )
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        if response.status_code < 400 and not (isinstance(body, dict) and "error" in body):
            return body if isinstance(body, dict) else {"data": body}
        error = body.get("error", {}) if isinstance(body, dict) else {}
        if not isinstance(error, dict):  # some proxies and old endpoints answer {"error": "text"}
            error = {"message": str(error)}
        code = error.get("code")
        message = self.redact(f"HTTP {response.status_code}: {error.get('message') or response.text} (code {code})")
        if response.status_code == 429 or code in RATE_LIMIT_CODES:
            raise RateLimited(
                message, retry_at=parse_reset(response.headers.get("Retry-After")), status=response.status_code
            )
        if response.status_code >= 500 or error.get("is_transient") or code in (1, 2):
            raise TransientError(message, status=response.status_code)
        raise PermanentError(message, status=response.status_code)
