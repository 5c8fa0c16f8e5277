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

The inbox reads the account's mentions (replies and quotes name the account
too) from the stored ``since_id``. Reads cost money on X's pay-per-use tier,
so each page reports what it read and the inbox stops at the account's daily
cap; the user id is kept in the cursor so it is not looked up (and paid for)
again (docs/inbox.md).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from publisher.i18n import _
from publisher.platforms.base import (
    LOOKBACK_PAGES,
    AccountIdentity,
    IncomingMessage,
    MediaFile,
    NotSupported,
    Page,
    Platform,
    PublishRequest,
    RateLimited,
    RemotePost,
    looked_back_too_far,
)
from publisher.platforms.http import parse_reset, raise_for_status, send
from publisher.platforms.matching import comparable

DEFAULT_API = "https://api.twitter.com"
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "referenced_tweets", "lang"]
MIN_PAGE, MAX_PAGE = 5, 100  # what the mentions endpoint accepts as max_results
MAX_READS = 800  # X serves at most the 800 most recent mentions


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
                    self.redact(
                        _("X 24-hour posting limit reached (HTTP %(status)d)") % {"status": response.status_code}
                    ),
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
        for _step in range(LOOKBACK_PAGES):  # every post since the first attempt, 100 a page
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
            return _("X does not allow this post to be edited")
        if until and datetime.fromisoformat(str(until).replace("Z", "+00:00")) <= datetime.now(UTC):
            return _("X's 30-minute edit window for this post has passed")
        if controls.get("edits_remaining") == 0:
            return _("this post has been edited five times, X's limit")
        return None

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        latest = self._latest(post.id)
        latest_id = str(latest.get("id") or post.id)
        if comparable(str(latest.get("text", "")), shortened_urls=True) == comparable(text, shortened_urls=True):
            return RemotePost(id=latest_id, url=self._url(latest_id))  # an earlier attempt already landed
        refusal = self._not_editable(latest)
        if refusal is not None:
            raise NotSupported(_("%(reason)s: correct it with a reply instead") % {"reason": refusal})
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

    # -- the inbox -------------------------------------------------------------

    def _user_id(self, state: dict[str, Any]) -> tuple[str, int]:
        """The account's user id (from the cursor when known) and the reads spent finding it."""
        if state.get("me"):
            return str(state["me"]), 0
        return str(self.client.get_me(user_auth=True).data["id"]), 1

    def _mentions(self, me: str, since: str | None, token: str | None, size: int) -> tuple[list[Any], dict[str, Any]]:
        """One page of mentions (newest first, X's order) and its ``meta``, each with its author."""
        response = self.client.get_users_mentions(
            me,
            since_id=since,
            pagination_token=token,
            max_results=size,
            tweet_fields=TWEET_FIELDS,
            expansions=["author_id"],
            user_fields=["username", "name"],
            user_auth=True,
        )
        users = {str(user.data["id"]): user.data for user in (response.includes or {}).get("users", [])}
        tweets = [(tweet.data, users.get(str(tweet.data.get("author_id")), {})) for tweet in response.data or []]
        return tweets, dict(response.meta or {})

    def collect(self, cursor: str | None, limit: int | None = None) -> Iterator[Page]:
        """Mentions since the stored ``since_id``; the first collection reads one page.

        A round that stops part way (the read cap) keeps its place in the
        cursor and moves ``since_id`` on only once it reaches the old one.
        """
        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        me, spent = self._user_id(state)
        since, token, newest = state.get("since_id"), state.get("next"), state.get("newest")
        budget = MAX_READS if limit is None else limit - spent
        while budget >= MIN_PAGE:
            tweets, meta = self._mentions(me, since, token, min(MAX_PAGE, budget))
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token") if since else None  # the first collection reads one page
            state = {"me": me, "since_id": since if token else (newest or since), "next": token}
            state.update({"newest": newest} if token else {})
            messages = tuple(_incoming(t, author) for t, author in tweets if str(t.get("author_id")) != me)
            yield Page(messages, json.dumps(state), reads=spent + len(tweets))
            spent, budget = 0, budget - max(len(tweets), MIN_PAGE)
            if not token:
                return
        if spent:  # the user id was looked up, and the cap left no room for a page
            yield Page((), json.dumps({**state, "me": me}), reads=spent)


def _incoming(tweet: dict[str, Any], author: dict[str, Any]) -> IncomingMessage:
    """One mention as an inbox message."""
    refs = {str(ref["type"]): str(ref["id"]) for ref in tweet.get("referenced_tweets") or []}
    author_id = str(tweet.get("author_id", ""))
    handle = str(author.get("username") or author_id)
    tweet_id = str(tweet["id"])
    url = f"https://x.com/{handle}/status/{tweet_id}"
    stamp = str(tweet.get("created_at") or datetime.now(UTC).isoformat())
    kind = "reply" if "replied_to" in refs else "quote" if "quoted" in refs else "mention"
    return IncomingMessage(
        remote_id=tweet_id,
        text=html.unescape(str(tweet.get("text", ""))),
        created_at=datetime.fromisoformat(stamp.replace("Z", "+00:00")),
        author_id=author_id,
        author_handle=handle,
        author_name=author.get("name"),
        kind=kind,
        url=url,
        parent_id=refs.get("replied_to") or refs.get("quoted"),
        root_id=tweet.get("conversation_id"),
        language_hint=tweet.get("lang"),
        reply_target=RemotePost(id=tweet_id, url=url),
    )
