"""X (Twitter): posts and replies through tweepy's Client; media and alt text through API v2.

Credentials (OAuth 1.0a user context): ``<prefix>_API_KEY``, ``<prefix>_API_SECRET``,
``<prefix>_ACCESS_TOKEN``, ``<prefix>_ACCESS_TOKEN_SECRET``.

tweepy's Client hard-codes its host and has no timeout, so :class:`_Client`
overrides its one ``request`` method: the account's ``api_base`` is honoured,
every call has a timeout, and failures are classified by
:mod:`publisher.platforms.http` (including X's 24-hour posting cap, whose
reset lives in its own headers). X has no language field on a post.

A post can be edited for 30 minutes after it was made, up to five times
(``POST /2/tweets`` with ``edit_options``); each edit is a new post id in the
post's edit history. Corrections after the window are Welsh replies
(docs/emergency.md). OAuth 1.0a user tokens do not expire.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from publisher.platforms.base import (
    LOOKBACK_PAGES,
    AccountIdentity,
    MediaFile,
    NotSupported,
    Platform,
    PublishRequest,
    RateLimited,
    RemotePost,
    looked_back_too_far,
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
        for _ in range(LOOKBACK_PAGES):  # every post since the first attempt, 100 a page
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
        raise looked_back_too_far(self.name, LOOKBACK_PAGES)

    # -- corrections and the accounts check ------------------------------------------

    def _tweet(self, tweet_id: str) -> dict[str, Any]:
        params = {"tweet.fields": "edit_controls,edit_history_tweet_ids,attachments"}
        data: dict[str, Any] = self.call("GET", f"/2/tweets/{tweet_id}", params=params).json().get("data") or {}
        return data

    def _latest(self, tweet_id: str) -> dict[str, Any]:
        """The newest version of a post: an edit is a new id at the end of the edit history."""
        tweet = self._tweet(tweet_id)
        history = tweet.get("edit_history_tweet_ids") or [tweet_id]
        return tweet if str(history[-1]) == str(tweet.get("id")) else self._tweet(str(history[-1]))

    @staticmethod
    def _not_editable(tweet: dict[str, Any]) -> str | None:
        """Why X would refuse an edit of ``tweet`` now, if it would."""
        controls = tweet.get("edit_controls") or {}
        until = controls.get("editable_until")
        if controls.get("is_edit_eligible") is False:
            return "X does not allow this post to be edited"
        if until and datetime.fromisoformat(str(until).replace("Z", "+00:00")) <= datetime.now(UTC):
            return "X's 30-minute edit window for this post has passed"
        if controls.get("edits_remaining") == 0:
            return "this post has been edited five times, X's limit"
        return None

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        latest = self._latest(post.id)
        latest_id = str(latest.get("id") or post.id)
        if comparable(str(latest.get("text", "")), shortened_urls=True) == comparable(text, shortened_urls=True):
            return RemotePost(id=latest_id, url=self._url(latest_id))  # an earlier attempt already landed
        refusal = self._not_editable(latest)
        if refusal is not None:
            raise NotSupported(f"{refusal}: correct it with a reply instead")
        body: dict[str, Any] = {"text": text, "edit_options": {"previous_post_id": latest_id}}
        keys = (latest.get("attachments") or {}).get("media_keys") or []
        if keys:  # an edit that names no media would drop the images
            body["media"] = {"media_ids": [str(key).split("_", 1)[-1] for key in keys]}
        new_id = str(self.call("POST", "/2/tweets", json=body).json()["data"]["id"])
        return RemotePost(id=new_id, url=self._url(new_id))

    def _me_with_bio(self) -> dict[str, Any]:
        params = {"user.fields": "description,username,name"}
        data: dict[str, Any] = self.call("GET", "/2/users/me", params=params).json().get("data") or {}
        return data

    def verify(self) -> AccountIdentity:
        me = self._me_with_bio()
        self._me = str(me.get("id") or self._me or "")
        username = str(me.get("username") or me.get("id") or "")
        return AccountIdentity(
            name=f"@{username}",
            id=self._me or None,
            url=f"https://x.com/{username}",
            token_note="OAuth 1.0a user tokens do not expire",
        )

    def profile(self) -> str:
        return str(self._me_with_bio().get("description") or "")
