"""X (Twitter): posts and replies through tweepy's Client; media and alt text through API v2.

Credentials (OAuth 1.0a user context): ``<prefix>_API_KEY``, ``<prefix>_API_SECRET``,
``<prefix>_ACCESS_TOKEN``, ``<prefix>_ACCESS_TOKEN_SECRET``.

tweepy's Client hard-codes its host and has no timeout, so :class:`_Client`
overrides its one ``request`` method: the account's ``api_base`` is honoured,
every call has a timeout, and failures are classified by
:mod:`publisher.platforms.http` (including X's 24-hour posting cap, whose
reset lives in its own headers). X has no language field on a post.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from publisher.platforms.base import (
    MediaFile,
    Platform,
    PublishRequest,
    RateLimited,
    RemotePost,
)
from publisher.platforms.http import parse_reset, raise_for_status, send
from publisher.platforms.matching import comparable

DEFAULT_API = "https://api.twitter.com"


def _daily_cap_reset(response: requests.Response) -> datetime | None:
    """The reset of X's 24-hour posting cap when it is exhausted."""
    for scope in ("user", "app"):
        if response.headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            return parse_reset(response.headers.get(f"x-{scope}-limit-24hour-reset"))
    return None


class X(Platform):
    """An X account, acting as its user (OAuth 1.0a)."""

    name: ClassVar[str] = "x"
    default_api_base: ClassVar[str] = DEFAULT_API

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: Any = None
        self._auth: Any = None
        self._me: str | None = None

    # -- plumbing -------------------------------------------------------------

    def _oauth(self) -> Any:
        if self._auth is None:
            import tweepy

            self._auth = tweepy.OAuth1UserHandler(
                self.credential("API_KEY"),
                self.credential("API_SECRET"),
                self.credential("ACCESS_TOKEN"),
                self.credential("ACCESS_TOKEN_SECRET"),
            ).apply_auth()
        return self._auth

    def call(self, method: str, route: str, **kwargs: Any) -> requests.Response:
        """One signed call to the X API, classified; raises RateLimited with the right reset."""
        session = self.client.session
        response = send(
            session,
            method,
            self.api_base + route,
            timeout=self.timeout,
            redact=self.redact,
            auth=self._oauth(),
            check=False,
            **kwargs,
        )
        if response.status_code in (429, 403):
            daily = _daily_cap_reset(response)
            if daily is not None:
                raise RateLimited(
                    self.redact(f"X 24-hour posting limit reached (HTTP {response.status_code})"),
                    retry_at=daily,
                    status=response.status_code,
                )
        raise_for_status(response, self.redact, reset_headers=("x-rate-limit-reset", "retry-after"))
        return response

    @property
    def client(self) -> Any:
        if self._client is None:
            import tweepy

            adapter = self

            class _Client(tweepy.Client):  # type: ignore[misc]
                def request(
                    self, method: str, route: str, params: Any = None, json: Any = None, user_auth: bool = False
                ) -> requests.Response:
                    return adapter.call(method, route, params=params, json=json)

            self._client = _Client(
                consumer_key=self.credential("API_KEY"),
                consumer_secret=self.credential("API_SECRET"),
                access_token=self.credential("ACCESS_TOKEN"),
                access_token_secret=self.credential("ACCESS_TOKEN_SECRET"),
            )
        return self._client

    def _url(self, tweet_id: str) -> str:
        return f"https://x.com/i/web/status/{tweet_id}"

    # -- the interface ------------------------------------------------------------

    def _upload(self, media: MediaFile) -> str:
        image = self.prepared(media)
        category = "tweet_gif" if image.kind == "gif" else "tweet_image"
        response = self.call(
            "POST",
            "/2/media/upload",
            files={"media": (image.filename, image.data, image.mime_type)},
            data={"media_category": category},
        )
        media_id = str(response.json()["data"]["id"])
        if media.alt:
            self.call(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": self.alt_text(media)}}},
            )
        return media_id

    def publish(self, request: PublishRequest) -> RemotePost:
        media_ids = [self._upload(media) for media in self.attachable(request.media)]
        response = self.client.create_tweet(
            text=request.text,
            media_ids=media_ids or None,
            in_reply_to_tweet_id=request.reply_to.id if request.reply_to else None,
            user_auth=True,
        )
        tweet_id = str(response.data["id"])
        return RemotePost(id=tweet_id, url=self._url(tweet_id))

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        if self._me is None:
            self._me = str(self.client.get_me(user_auth=True).data["id"])
        wanted = comparable(request.text, shortened_urls=True)  # X returns t.co links
        token = None
        for _ in range(10):  # up to 1,000 posts since the first attempt
            response = self.client.get_users_tweets(
                self._me,
                start_time=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                max_results=100,
                tweet_fields=["created_at"],
                pagination_token=token,
                user_auth=True,
            )
            for tweet in response.data or []:
                if comparable(tweet["text"], shortened_urls=True) == wanted:
                    return RemotePost(id=str(tweet["id"]), url=self._url(str(tweet["id"])))
            token = (response.meta or {}).get("next_token")
            if not token:
                return None
        return None
