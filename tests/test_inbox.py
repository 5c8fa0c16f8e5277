"""The replies inbox, piece by piece: configuration, language, the reply rule, the adapters' reads and hides.

The end-to-end suite (test_inbox_e2e.py) runs the same through the real CLI
against the fake server; here each piece is held on its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from publisher.durations import parse_duration, parse_working_days
from publisher.errors import ConfigError
from publisher.inbox.classify import classify
from publisher.platforms.account import Account
from publisher.platforms.base import PermanentError, PublishRequest, RateLimited, RemotePost
from publisher.platforms.facebook import Facebook
from publisher.platforms.instagram import Instagram
from publisher.platforms.mastodon import Mastodon
from publisher.platforms.x import X
from publisher.rules import BY_CODE
from publisher.rules.reply_language import check_reply

from conftest import BASE_CONFIG, Project

BASE = "http://proxy.test"


# -- configuration ----------------------------------------------------------------------------


def test_the_inbox_is_off_until_its_table_is_in_the_config(project: Project) -> None:
    assert project.config().inbox.enabled is False
    project.write("config/publisher.toml", BASE_CONFIG + "\n[inbox]\n")
    inbox = project.config().inbox
    assert inbox.enabled and inbox.answer_within == 5 and inbox.acknowledge_within == 1
    assert inbox.keep_for == timedelta(days=365) and inbox.interval == timedelta(minutes=5)
    assert "powys-x" not in inbox.accounts, "X is read only with a daily cap"
    assert {"powys-facebook", "powys-instagram", "powys-mastodon", "powys-bluesky-cy"} <= set(inbox.accounts)
    assert "local" not in inbox.accounts and "powys-bluesky" not in inbox.accounts, "no outbox, no pairs"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('answer_within = "5 days"', r"'inbox.answer_within': not a number of working days"),
        ('acknowledge_within = "6 working days"', "longer than 'inbox.answer_within'"),
        ('accounts = ["powys-x"]', r"reads cost money on X: give 'powys-x' a cap in \[inbox.daily_reads\]"),
        ('accounts = ["local"]', "the inbox cannot read the outbox"),
        ('accounts = ["nobody"]', "names 'nobody', which is not a platform account"),
        ("daily_reads = { powys-facebook = 10 }", "charges for reads"),
        ("daily_reads = { powys-x = 0 }", "must be a whole number of reads >= 1"),
        ('keep_for = "forever"', r"'inbox.keep_for': not a duration"),
        ('intervall = "5m"', r"unknown key 'inbox.intervall' \(did you mean 'interval'\?\)"),
    ],
)
def test_inbox_config_mistakes_name_the_key(project: Project, table: str, message: str) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + f"\n[inbox]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        project.config()


def test_an_x_account_is_read_once_it_has_a_daily_cap(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + "\n[inbox]\ndaily_reads = { powys-x = 200 }\n")
    inbox = project.config().inbox
    assert "powys-x" in inbox.accounts and inbox.daily_reads == {"powys-x": 200}


def test_durations_take_weeks_years_and_working_days() -> None:
    assert parse_duration("1y") == timedelta(days=365) and parse_duration("2w") == timedelta(days=14)
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_working_days("5 working days") == 5 and parse_working_days("1  Working Day") == 1
    with pytest.raises(ValueError):
        parse_working_days("5 days")


# -- language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "thread", "hint", "expected"),
    [
        ("Pryd mae'r bin ailgylchu yn cael ei gasglu?", None, None, ("cy", "detected")),
        ("When is the recycling bin collected?", "cy", None, ("en", "detected")),
        ("Diolch am y newyddion! Thanks for the update.", None, None, ("mixed", "detected")),
        ("Ydy'r llyfrgell ar agor heddiw? Is the library open today?", None, None, ("mixed", "detected")),
        ("👍", None, None, ("unknown", "none")),
        ("Diolch!", "cy", None, ("cy", "thread")),
        ("Diolch!", "cy+en", None, ("unknown", "none")),
        ("@cyngor 👍", "en", "cy", ("cy", "platform")),
        ("https://example.gov.uk #Powys", None, "en", ("unknown", "none")),
    ],
)
def test_messages_are_welsh_english_mixed_or_unknown(
    text: str, thread: str | None, hint: str | None, expected: tuple[str, str]
) -> None:
    found = classify(text, thread, hint)
    assert (found.language.value, found.basis) == expected


# -- the reply rule (Standard 59) ---------------------------------------------------------------


def _codes(language: str, cy: str = "", en: str = "") -> list[str]:
    return [f.message for f in check_reply(language, cy, en, "inbox message #1", "inbox/1")]


def test_a_welsh_message_gets_a_welsh_answer_and_english_is_refused_without_override() -> None:
    assert "reply-language" in BY_CODE
    refused, *_ = check_reply("cy", "", "We collect on Tuesdays.", "inbox message #1", "inbox/1")
    assert refused.code == "reply-language" and refused.severity == "error" and "no override" in refused.message
    assert any("reads as English" in m for m in _codes("cy", cy="Thanks!"))
    assert any("remove the English" in m for m in _codes("cy", cy="Diolch yn fawr!", en="Thanks a lot!"))
    assert _codes("cy", cy="Diolch yn fawr!") == []
    assert _codes("cy", cy="Bore da") == [], "a short Welsh answer the detector is unsure of passes"


def test_mixed_and_unclear_messages_get_both_languages_and_english_ones_either() -> None:
    for language in ("mixed", "unknown"):
        assert _codes(language, cy="Diolch yn fawr iawn!") != []
        assert _codes(language, en="Thank you very much!") != []
        assert _codes(language, cy="Diolch yn fawr iawn!", en="Thank you very much!") == []
    assert _codes("en", en="Thank you very much!") == _codes("en", cy="Diolch yn fawr iawn!") == []
    assert _codes("en") == ["the answer is empty"]


# -- adapters: Mastodon ------------------------------------------------------------------------


def _account(platform: str, **options: Any) -> Account:
    return Account(name=f"acc-{platform}", platform=platform, credentials_env="P", api_base=BASE, options=options)


def _status(status_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2026-05-22T09:00:00.000Z",
        "content": "<p><span><a href='x'>@cyngor</a></span> Pryd mae&#39;r bin yn cael ei gasglu?</p><p>Diolch</p>",
        "url": f"https://social.example/@dai/{status_id}",
        "visibility": "direct",
        "language": "cy",
        "in_reply_to_id": None,
        "account": {"id": "9", "acct": "dai@social.example", "display_name": "Dai"},
        **extra,
    }


def _notification(n: int) -> dict[str, Any]:
    return {
        "id": str(n),
        "type": "mention",
        "created_at": "2026-05-22T09:00:00.000Z",
        "status": _status(str(100 + n)),
        "account": _status("0")["account"],
    }


@responses.activate
def test_mastodon_reads_mentions_forward_from_min_id_and_answers_privately() -> None:
    mastodon = Mastodon(_account("mastodon"), env={"P_ACCESS_TOKEN": "m-token-5e4d3c"})
    responses.get(f"{BASE}/api/v1/notifications", json=[_notification(n) for n in (3, 2, 1)])
    [first] = list(mastodon.collect(None))
    query = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert query["types[]"] == ["mention"] and query["limit"] == ["40"] and "min_id" not in query
    assert json.loads(first.cursor or "{}") == {"min_id": "3"}
    message = first.messages[0]
    assert message.text == "@cyngor Pryd mae'r bin yn cael ei gasglu?\nDiolch"
    assert (message.author_handle, message.kind, message.language_hint) == ("dai@social.example", "mention", "cy")
    assert message.reply_target.extra == {"visibility": "direct"}

    responses.get(f"{BASE}/api/v1/notifications", json=[_notification(n) for n in range(43, 3, -1)])
    responses.get(f"{BASE}/api/v1/notifications", json=[_notification(44)])
    pages = list(mastodon.collect(first.cursor))
    assert [len(p.messages) for p in pages] == [40, 1]
    assert parse_qs(urlparse(responses.calls[1].request.url).query)["min_id"] == ["3"]
    assert parse_qs(urlparse(responses.calls[2].request.url).query)["min_id"] == ["43"]

    responses.post(f"{BASE}/api/v1/statuses", json=_status("200"))
    mastodon.publish(PublishRequest("@dai@social.example Diolch!", "cy", "k" * 32, reply_to=message.reply_target))
    body = parse_qs(responses.calls[-1].request.body)
    assert body["visibility"] == ["direct"] and body["in_reply_to_id"] == ["103"]


# -- adapters: X -----------------------------------------------------------------------------------

X_ENV = {
    "P_API_KEY": "xk-8f2a91c4",
    "P_API_SECRET": "xs-77d1e0b2",
    "P_ACCESS_TOKEN": "42-a8b7c6d5e4",
    "P_ACCESS_TOKEN_SECRET": "s3cr3t-token-value",
}


def _mentions(ids: range, token: str | None = None) -> dict[str, Any]:
    tweets = [
        {
            "id": str(i),
            "text": "@cyngor When is the tip open? &amp; on Sundays?",
            "author_id": "77",
            "created_at": "2026-05-22T09:00:00.000Z",
            "conversation_id": "500",
            "referenced_tweets": [{"type": "replied_to", "id": "500"}],
            "lang": "en",
            "edit_history_tweet_ids": [str(i)],
        }
        for i in ids
    ]
    meta: dict[str, Any] = {"result_count": len(tweets), "newest_id": tweets[0]["id"] if tweets else None}
    if token:
        meta["next_token"] = token
    return {"data": tweets, "includes": {"users": [{"id": "77", "username": "sian", "name": "Siân"}]}, "meta": meta}


@responses.activate
def test_x_reads_mentions_within_the_cap_and_keeps_the_user_id_in_the_cursor() -> None:
    x = X(_account("x"), env=X_ENV)
    responses.get(f"{BASE}/2/users/me", json={"data": {"id": "42", "name": "Cyngor", "username": "cyngor"}})
    responses.get(f"{BASE}/2/users/42/mentions", json=_mentions(range(30, 20, -1), token="more"))
    [page] = list(x.collect(None, limit=11))
    assert page.reads == 11 and len(page.messages) == 10, "the user id, then ten mentions"
    query = parse_qs(urlparse(responses.calls[1].request.url).query)
    assert query["max_results"] == ["10"] and "since_id" not in query
    message = page.messages[0]
    assert message.text == "@cyngor When is the tip open? & on Sundays?"
    assert (message.kind, message.parent_id, message.root_id, message.author_handle) == ("reply", "500", "500", "sian")
    assert json.loads(page.cursor or "{}") == {"me": "42", "since_id": "30", "next": None}

    responses.get(f"{BASE}/2/users/42/mentions", json=_mentions(range(40, 35, -1), token="t2"))
    [capped] = list(x.collect(page.cursor, limit=5))
    assert capped.reads == 5 and json.loads(capped.cursor or "{}") == {
        "me": "42",
        "since_id": "30",
        "next": "t2",
        "newest": "40",
    }, "cut short by the cap: since_id stays until the round is done"
    assert [c.request.url for c in responses.calls].count(f"{BASE}/2/users/me") == 1
    assert list(x.collect(capped.cursor, limit=4)) == [], "a cap under X's smallest page reads nothing"


@responses.activate
def test_x_rate_limits_on_reads_carry_the_reset_time() -> None:
    reset = int(datetime(2026, 5, 22, 10, 0, tzinfo=UTC).timestamp())
    responses.get(
        f"{BASE}/2/users/42/mentions",
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    with pytest.raises(RateLimited) as caught:
        list(X(_account("x"), env=X_ENV).collect(json.dumps({"me": "42", "since_id": "1"})))
    assert caught.value.retry_at == datetime(2026, 5, 22, 10, 0, tzinfo=UTC)


# -- adapters: the Graph API ------------------------------------------------------------------------

FB_ENV = {"P_PAGE_TOKEN": "fb-page-token-3c2b1a"}


def _comment(comment_id: str, when: str, author: str = "55", parent: str | None = None) -> dict[str, Any]:
    comment = {
        "id": comment_id,
        "message": "Pryd fydd y llyfrgell ar agor eto?",
        "from": {"id": author, "name": "Ffion"},
        "created_time": when,
        "permalink_url": f"https://facebook.example/{comment_id}",
    }
    if parent:
        comment["parent"] = {"id": parent}
    return comment


@responses.activate
def test_facebook_reads_comments_with_field_expansion_skips_its_own_and_hides_with_is_hidden() -> None:
    facebook = Facebook(_account("facebook", page_id="1234"), env=FB_ENV)
    post = {
        "id": "1234_1",
        "updated_time": "2026-05-22T10:00:00+0000",
        "comments": {
            "data": [
                _comment("c3", "2026-05-22T10:00:00+0000", parent="c1"),
                _comment("c2", "2026-05-22T09:30:00+0000", author="1234"),
                _comment("c1", "2026-05-22T09:00:00+0000"),
            ]
        },
    }
    responses.get(f"{BASE}/v24.0/1234/posts", json={"data": [post]})
    [page] = list(facebook.collect(None))
    fields = parse_qs(urlparse(responses.calls[0].request.url).query)["fields"][0]
    assert "comments.filter(stream).order(reverse_chronological)" in fields and "updated_time" in fields
    assert [m.remote_id for m in page.messages] == ["c3", "c1"], "the Page's own comment is not an inbox message"
    reply = page.messages[0]
    assert reply.reply_target.id == "c1", "a reply to a reply joins its comment's thread"
    assert (reply.root_id, reply.parent_id, reply.hideable) == ("1234_1", "c1", True)
    assert reply.notice_target is not None and reply.notice_target.id == "1234_1"
    assert json.loads(page.cursor or "{}") == {"since": "2026-05-22T10:00:00+00:00"}

    responses.post(f"{BASE}/v24.0/c3", json={"success": True})
    facebook.hide(RemotePost(id="c3"))
    assert parse_qs(responses.calls[-1].request.body)["is_hidden"] == ["true"]


@responses.activate
def test_instagram_answers_a_comment_on_its_replies_edge_and_hides_with_hide() -> None:
    instagram = Instagram(_account("instagram", ig_user_id="5678"), env={"P_ACCESS_TOKEN": "ig-token-9f8e7d"})
    target = RemotePost(id="c1", url="https://instagram.example/p/1", extra={"comment": True})
    responses.post(f"{BASE}/v24.0/c1/replies", json={"id": "r1"})
    posted = instagram.publish(PublishRequest("Diolch!", "cy", "k" * 32, reply_to=target))
    assert posted.id == "r1" and parse_qs(responses.calls[0].request.body)["message"] == ["Diolch!"]
    responses.get(f"{BASE}/v24.0/c1/replies", json={"data": [{"id": "r1", "text": "Diolch!"}]})
    assert instagram.find_recent(PublishRequest("Diolch!", "cy", "k" * 32, reply_to=target), datetime.now(UTC))
    responses.post(f"{BASE}/v24.0/c1", json={"success": True})
    instagram.hide(RemotePost(id="c1"))
    assert parse_qs(responses.calls[-1].request.body)["hide"] == ["true"]
    media = RemotePost(id="m1", url="https://instagram.example/p/1")
    responses.post(f"{BASE}/v24.0/m1/comments", json={"id": "n1"})
    instagram.publish(PublishRequest("Tynnwyd y sylw hwn.", "cy", "k" * 32, reply_to=media))
    assert responses.calls[-1].request.url.endswith("/m1/comments"), "a notice is a comment on our media"


# -- adapters: Bluesky (through the fake server's XRPC) ---------------------------------------------------


def test_bluesky_hides_in_our_own_threads_only_keeping_the_gates_reply_rules(fake_server: Any) -> None:
    from publisher.platforms.bluesky import Bluesky

    env = {"B_HANDLE": "cyngor.bsky.social", "B_APP_PASSWORD": "app-pass-9x8y-7z6w"}
    bluesky = Bluesky(Account(name="b", platform="bluesky", credentials_env="B", api_base=fake_server.url), env=env)
    root = {"uri": "at://did:plc:cyngor/app.bsky.feed.post/3kroot", "cid": "bafyreiroot"}
    gate = {
        "$type": "app.bsky.feed.threadgate",
        "post": root["uri"],
        "allow": [{"$type": "app.bsky.feed.threadgate#followingRule"}],
    }
    fake_server.state.records[("app.bsky.feed.threadgate", "3kroot")] = gate
    reply = "at://did:plc:troll/app.bsky.feed.post/3kbad"
    bluesky.hide(RemotePost(id=reply, extra={"uri": reply, "cid": "c", "root": root}))
    bluesky.hide(RemotePost(id=reply, extra={"uri": reply, "cid": "c", "root": root}))
    stored = fake_server.state.records[("app.bsky.feed.threadgate", "3kroot")]
    assert stored["hiddenReplies"] == [reply], "hiding twice leaves it hidden once"
    assert stored["allow"] == gate["allow"], "who may reply is kept"
    theirs = {"uri": "at://did:plc:someone/app.bsky.feed.post/3kx", "cid": "c"}
    with pytest.raises(PermanentError, match="only in threads it started"):
        bluesky.hide(RemotePost(id=reply, extra={"uri": reply, "cid": "c", "root": theirs}))
