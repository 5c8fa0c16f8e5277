"""Adapters against ``responses`` fakes: the exact requests sent, and every error class."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from publisher.platforms.account import Account
from publisher.platforms.base import (
    MediaFile,
    NotSupported,
    OutcomeUnknown,
    PermanentError,
    PublishRequest,
    RateLimited,
    RemotePost,
    TransientError,
)
from publisher.platforms.facebook import Facebook
from publisher.platforms.instagram import Instagram
from publisher.platforms.mastodon import Mastodon
from publisher.platforms.x import X

from pictures import metadata, photo

BASE = "http://proxy.test"
SECRET = "s3cr3t-token-value"
X_ENV = {
    "P_API_KEY": "xk-8f2a91c4",
    "P_API_SECRET": "xs-77d1e0b2",
    "P_ACCESS_TOKEN": "42-a8b7c6d5e4",
    "P_ACCESS_TOKEN_SECRET": SECRET,
}


@pytest.fixture
def image(tmp_path: Path) -> MediaFile:
    """A phone photo with GPS, camera and XMP data: no adapter may upload those."""
    path = tmp_path / "gritter.jpg"
    path.write_bytes(photo(size=(800, 800)))
    return MediaFile(path=path, alt="Lori graeanu ar ffordd dan eira.")


def uploaded(call, field: str) -> bytes:  # type: ignore[no-untyped-def]
    """The bytes of the file ``field`` in a multipart request."""
    body = call.request.body if isinstance(call.request.body, bytes) else call.request.body.read()
    ctype = call.request.headers["Content-Type"]
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            return bytes(part.get_payload(decode=True))
    raise AssertionError(f"no {field} in the upload")


def request(text: str = "Bydd y llyfrgell ar gau ddydd Llun.", language: str = "cy", **kwargs) -> PublishRequest:  # type: ignore[no-untyped-def]
    return PublishRequest(text=text, language=language, idempotency_key="k" * 32, **kwargs)


def account(platform: str, **options) -> Account:  # type: ignore[no-untyped-def]
    return Account(name=f"acc-{platform}", platform=platform, credentials_env="P", api_base=BASE, options=options)


def body(call) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(call.request.body)


# -- X -----------------------------------------------------------------------------------


@responses.activate
def test_x_posts_with_media_alt_text_and_reply(image: MediaFile) -> None:
    responses.post(f"{BASE}/2/media/upload", json={"data": {"id": "m1", "media_key": "3_m1"}})
    responses.post(f"{BASE}/2/media/metadata", json={"data": {"id": "m1"}})
    responses.post(f"{BASE}/2/tweets", json={"data": {"id": "t9", "text": "x"}}, status=201)
    posted = X(account("x"), env=X_ENV).publish(request(media=(image,), reply_to=RemotePost(id="t1")))
    assert posted == RemotePost(id="t9", url="https://x.com/i/web/status/t9")
    upload, alt, tweet = responses.calls
    assert b'name="media_category"' in upload.request.body and b"tweet_image" in upload.request.body
    assert metadata(uploaded(upload, "media")) == {}, "no EXIF, GPS or XMP reaches X"
    assert body(alt) == {"id": "m1", "metadata": {"alt_text": {"text": "Lori graeanu ar ffordd dan eira."}}}
    assert body(tweet) == {
        "text": "Bydd y llyfrgell ar gau ddydd Llun.",
        "media": {"media_ids": ["m1"]},
        "reply": {"in_reply_to_tweet_id": "t1"},
    }
    assert tweet.request.headers["Authorization"].startswith("OAuth ")


@responses.activate
def test_x_rate_limits_use_the_reset_headers() -> None:
    responses.post(
        f"{BASE}/2/tweets",
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": "1893456000"},
    )
    with pytest.raises(RateLimited) as caught:
        X(account("x"), env=X_ENV).publish(request())
    assert caught.value.retry_at == datetime(2030, 1, 1, tzinfo=UTC)
    responses.replace(
        responses.POST,
        f"{BASE}/2/tweets",
        status=429,
        json={"title": "Too Many Requests"},
        headers={
            "x-rate-limit-reset": "1",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": "1893459600",
        },
    )
    with pytest.raises(RateLimited) as caught:
        X(account("x"), env=X_ENV).publish(request())
    assert caught.value.retry_at == datetime(2030, 1, 1, 1, tzinfo=UTC)
    assert "24-hour" in caught.value.message


@responses.activate
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ({"status": 503, "json": {"title": "Service Unavailable"}}, TransientError),
        (
            {"status": 403, "json": {"detail": "You are not allowed to create a Tweet with duplicate content."}},
            PermanentError,
        ),
        ({"body": requests.exceptions.ReadTimeout("read timed out")}, OutcomeUnknown),
        ({"body": requests.exceptions.ConnectionError("NewConnectionError: Connection refused")}, TransientError),
    ],
)
def test_x_error_classes(kind: dict, expected: type) -> None:
    responses.post(f"{BASE}/2/tweets", **kind)
    with pytest.raises(expected) as caught:
        X(account("x"), env=X_ENV).publish(request())
    if expected is PermanentError:
        assert "duplicate content" in caught.value.message


@responses.activate
def test_x_never_leaks_secrets_and_names_missing_credentials() -> None:
    responses.post(f"{BASE}/2/tweets", status=401, json={"detail": f"bad token {SECRET}"})
    with pytest.raises(PermanentError) as caught:
        X(account("x"), env=X_ENV).publish(request())
    assert SECRET not in str(caught.value) and "***" in caught.value.message
    with pytest.raises(PermanentError) as missing:
        X(account("x"), env={}).publish(request())
    assert "P_API_KEY is not set" in missing.value.message


@responses.activate
def test_x_find_recent_matches_text_despite_tco_links_and_pages() -> None:
    responses.get(f"{BASE}/2/users/me", json={"data": {"id": "42", "name": "C", "username": "c"}})
    responses.get(
        f"{BASE}/2/users/42/tweets",
        match=[
            matchers.query_param_matcher(
                {"start_time": "2027-01-12T10:00:00Z", "max_results": "100", "tweet.fields": "created_at"}
            )
        ],
        json={"data": [{"id": "1", "text": "other", "edit_history_tweet_ids": ["1"]}], "meta": {"next_token": "p2"}},
    )
    responses.get(
        f"{BASE}/2/users/42/tweets",
        match=[
            matchers.query_param_matcher(
                {
                    "start_time": "2027-01-12T10:00:00Z",
                    "max_results": "100",
                    "tweet.fields": "created_at",
                    "pagination_token": "p2",
                }
            )
        ],
        json={
            "data": [{"id": "7", "text": "Gweler https://t.co/abc &amp; diolch", "edit_history_tweet_ids": ["7"]}],
            "meta": {},
        },
    )
    found = X(account("x"), env=X_ENV).find_recent(
        request("Gweler https://www.example.gov.uk/a & diolch"), datetime(2027, 1, 12, 10, tzinfo=UTC)
    )
    assert found is not None and found.id == "7"


# -- Facebook ------------------------------------------------------------------------------

FB_ENV = {"P_PAGE_TOKEN": SECRET}


@responses.activate
def test_facebook_text_photo_comment_and_edit(image: MediaFile) -> None:
    responses.post(f"{BASE}/v24.0/1234/feed", json={"id": "1234_1"})
    responses.post(f"{BASE}/v24.0/1234/photos", json={"id": "ph1", "post_id": "1234_2"})
    responses.post(f"{BASE}/v24.0/1234_1/comments", json={"id": "c1"})
    responses.post(f"{BASE}/v24.0/1234_1", json={"success": True})
    fb = Facebook(account("facebook", page_id="1234"), env=FB_ENV)
    assert fb.publish(request()).id == "1234_1"
    assert fb.publish(request(media=(image,))).id == "1234_2"
    assert fb.publish(request("English reply", "en", reply_to=RemotePost(id="1234_1"))).id == "c1"
    fb.edit(RemotePost(id="1234_1"), "Testun wedi'i gywiro")
    feed, photo, comment, edit = responses.calls
    assert "message=Bydd+y+llyfrgell" in feed.request.body and f"access_token={SECRET}" in feed.request.body
    assert b'name="alt_text_custom"' in photo.request.body and b"Lori graeanu" in photo.request.body
    assert metadata(uploaded(photo, "source")) == {}, "no EXIF, GPS or XMP reaches Facebook"
    assert "message=English+reply" in comment.request.body
    assert "message=Testun+wedi%27i+gywiro" in edit.request.body


@responses.activate
def test_facebook_graph_version_option_and_error_codes() -> None:
    fb = Facebook(account("facebook", page_id="1234", graph_version="v25.0"), env=FB_ENV)
    responses.post(
        f"{BASE}/v25.0/1234/feed",
        status=400,
        json={"error": {"message": "Application request limit reached", "code": 4}},
    )
    with pytest.raises(RateLimited):
        fb.publish(request())
    responses.replace(
        responses.POST,
        f"{BASE}/v25.0/1234/feed",
        status=400,
        json={"error": {"message": f"Error validating access token {SECRET}", "code": 190}},
    )
    with pytest.raises(PermanentError) as caught:
        fb.publish(request())
    assert "Error validating access token" in caught.value.message and SECRET not in caught.value.message
    responses.replace(
        responses.POST,
        f"{BASE}/v25.0/1234/feed",
        status=500,
        json={"error": {"message": "An unknown error", "code": 1, "is_transient": True}},
    )
    with pytest.raises(TransientError):
        fb.publish(request())


@responses.activate
def test_facebook_find_recent_matches_the_message() -> None:
    responses.get(
        f"{BASE}/v24.0/1234/posts", json={"data": [{"id": "1234_5", "message": "Bydd y llyfrgell ar gau ddydd Llun."}]}
    )
    found = Facebook(account("facebook", page_id="1234"), env=FB_ENV).find_recent(
        request(), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert found is not None and found.id == "1234_5"
    assert "since=1798761600" in responses.calls[0].request.url


# -- Instagram -----------------------------------------------------------------------------


@responses.activate
def test_instagram_container_poll_publish(image: MediaFile, tmp_path: Path) -> None:
    responses.post(f"{BASE}/v24.0/17841/media", json={"id": "cont1"})
    responses.get(f"{BASE}/v24.0/cont1", json={"status_code": "IN_PROGRESS"})
    responses.get(f"{BASE}/v24.0/cont1", json={"status_code": "FINISHED"})
    responses.post(f"{BASE}/v24.0/17841/media_publish", json={"id": "media9"})
    responses.get(f"{BASE}/v24.0/media9", json={"permalink": "https://www.instagram.com/p/abc/"})
    served = tmp_path / "website" / "social"
    options = {"ig_user_id": "17841", "media_base_url": "https://cdn.example/social/", "media_folder": str(served)}
    ig = Instagram(account("instagram", **options), env={"P_ACCESS_TOKEN": SECRET})
    ig.poll_interval = 0
    posted = ig.publish(request(media=(image,)))
    assert posted == RemotePost(id="media9", url="https://www.instagram.com/p/abc/")
    container = responses.calls[0].request.body
    [copy] = list(served.iterdir())
    assert f"image_url=https%3A%2F%2Fcdn.example%2Fsocial%2F{copy.name}" in container
    assert "alt_text=Lori+graeanu" in container and "caption=Bydd" in container
    assert metadata(copy.read_bytes()) == {}, "what Instagram fetches is the stripped copy"
    assert "creation_id=cont1" in responses.calls[3].request.body


def test_instagram_needs_an_image_at_a_public_url(image: MediaFile) -> None:
    ig = Instagram(account("instagram", ig_user_id="1"), env={"P_ACCESS_TOKEN": SECRET})
    with pytest.raises(PermanentError, match="no text-only posts"):
        ig.publish(request())
    with pytest.raises(PermanentError, match="media_folder"):
        ig.publish(request(media=(image,)))


# -- Mastodon ------------------------------------------------------------------------------

M_ENV = {"P_ACCESS_TOKEN": SECRET}


@responses.activate
def test_mastodon_status_language_reply_media_and_idempotency_key(image: MediaFile) -> None:
    responses.post(
        f"{BASE}/api/v1/media", json={"id": "med1", "type": "image", "url": "https://m/med1", "description": image.alt}
    )
    responses.post(
        f"{BASE}/api/v1/statuses",
        json={"id": "s1", "url": f"{BASE}/@c/s1", "content": "<p>x</p>", "created_at": "2027-01-12T10:00:00Z"},
    )
    posted = Mastodon(account("mastodon"), env=M_ENV).publish(request(media=(image,), reply_to=RemotePost(id="s0")))
    assert posted == RemotePost(id="s1", url=f"{BASE}/@c/s1")
    media, status = responses.calls  # no version lookup: the version is pinned
    assert b'name="description"' in media.request.body and b"Lori graeanu" in media.request.body
    assert metadata(uploaded(media, "file")) == {}, "no EXIF, GPS or XMP reaches Mastodon"
    sent = status.request.body if isinstance(status.request.body, str) else status.request.body.decode()
    fields = json.loads(sent) if sent.startswith("{") else dict(p.split("=", 1) for p in sent.split("&"))
    assert fields["language"] == "cy" and str(fields["in_reply_to_id"]) == "s0"
    assert status.request.headers["Idempotency-Key"] == "k" * 32
    assert status.request.headers["Authorization"] == f"Bearer {SECRET}"


@responses.activate
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            {
                "status": 429,
                "json": {"error": "Too many requests"},
                "headers": {
                    "X-RateLimit-Reset": "2030-01-01T00:00:00.000Z",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Limit": "300",
                },
            },
            RateLimited,
        ),
        ({"status": 502, "json": {"error": "Bad gateway"}}, TransientError),
        ({"status": 422, "json": {"error": "Validation failed: Text character limit of 500 exceeded"}}, PermanentError),
        ({"body": requests.exceptions.ReadTimeout("Read timed out")}, OutcomeUnknown),
        ({"body": requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")}, OutcomeUnknown),
        ({"body": requests.exceptions.ConnectionError("NewConnectionError: Connection refused")}, TransientError),
    ],
)
def test_mastodon_error_classes(kind: dict, expected: type) -> None:
    responses.post(f"{BASE}/api/v1/statuses", **kind)
    with pytest.raises(expected) as caught:
        Mastodon(account("mastodon"), env=M_ENV).publish(request())
    assert SECRET not in str(caught.value)
    if expected is RateLimited:
        assert caught.value.retry_at == datetime(2030, 1, 1, tzinfo=UTC)
    if expected is PermanentError:
        assert "character limit" in caught.value.message


@responses.activate
def test_mastodon_find_recent_compares_without_html() -> None:
    responses.get(f"{BASE}/api/v1/accounts/verify_credentials", json={"id": "7", "username": "c", "acct": "c"})
    responses.get(
        f"{BASE}/api/v1/accounts/7/statuses",
        json=[
            {
                "id": "s5",
                "url": f"{BASE}/@c/s5",
                "content": "<p>Bydd y llyfrgell ar gau ddydd Llun.</p>",
                "created_at": "2027-01-12T10:00:01Z",
            },
        ],
    )
    found = Mastodon(account("mastodon"), env=M_ENV).find_recent(request(), datetime(2027, 1, 12, 10, tzinfo=UTC))
    assert found is not None and found.id == "s5"


def test_mastodon_needs_the_instance_url() -> None:
    with pytest.raises(PermanentError, match="api_base"):
        Mastodon(Account(name="m", platform="mastodon", credentials_env="P"), env=M_ENV).publish(request())


# -- editing on X, within its window ------------------------------------------------------------


def _tweet(tweet_id: str, text: str, history: list[str], until: str = "2099-01-01T00:00:00.000Z", **extra) -> dict:  # type: ignore[no-untyped-def]
    controls = {"is_edit_eligible": True, "editable_until": until, "edits_remaining": 6 - len(history)}
    return {
        "data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": history, "edit_controls": controls, **extra}
    }


@responses.activate
def test_x_edits_the_newest_version_and_keeps_its_images() -> None:
    responses.get(f"{BASE}/2/tweets/t1", json=_tweet("t1", "Hen destun", ["t1"], attachments={"media_keys": ["3_m1"]}))
    responses.post(f"{BASE}/2/tweets", json={"data": {"id": "t2", "text": "x", "edit_history_tweet_ids": ["t1", "t2"]}})
    edited = X(account("x"), env=X_ENV).edit(RemotePost(id="t1"), "Testun wedi'i gywiro")
    assert edited == RemotePost(id="t2", url="https://x.com/i/web/status/t2")
    lookup, create = responses.calls
    assert "tweet.fields=edit_controls%2Cedit_history_tweet_ids%2Cattachments" in lookup.request.url
    assert body(create) == {
        "text": "Testun wedi'i gywiro",
        "edit_options": {"previous_post_id": "t1"},
        "media": {"media_ids": ["m1"]},
    }


@responses.activate
def test_x_edit_made_again_finds_the_text_already_there() -> None:
    responses.get(f"{BASE}/2/tweets/t1", json=_tweet("t1", "Hen destun", ["t1", "t2"]))
    responses.get(f"{BASE}/2/tweets/t2", json=_tweet("t2", "Testun wedi&apos;i gywiro", ["t1", "t2"]))
    edited = X(account("x"), env=X_ENV).edit(RemotePost(id="t1"), "Testun wedi'i gywiro")
    assert edited.id == "t2" and [c.request.method for c in responses.calls] == ["GET", "GET"], "no second edit"


@responses.activate
@pytest.mark.parametrize(
    ("controls", "reason"),
    [
        ({"until": "2020-01-01T00:00:00.000Z"}, "30-minute edit window"),
        ({"history": ["t1", "a", "b", "c", "d", "e"]}, "five times"),
    ],
)
def test_x_refuses_to_edit_outside_its_window(controls: dict, reason: str) -> None:  # type: ignore[type-arg]
    history = controls.get("history", ["t1"])
    tweet = _tweet(history[-1], "Hen destun", history, controls.get("until", "2099-01-01T00:00:00.000Z"))
    responses.get(f"{BASE}/2/tweets/t1", json=tweet)
    responses.get(f"{BASE}/2/tweets/{history[-1]}", json=tweet)
    with pytest.raises(NotSupported, match=reason):
        X(account("x"), env=X_ENV).edit(RemotePost(id="t1"), "Testun newydd")
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_x_verify_and_profile_read_the_user() -> None:
    responses.get(
        f"{BASE}/2/users/me",
        match=[matchers.query_param_matcher({"user.fields": "description,username,name"})],
        json={"data": {"id": "42", "username": "CyngorPowys", "name": "Cyngor", "description": "Cyngor Sir Powys"}},
    )
    identity = X(account("x"), env=X_ENV).verify()
    assert identity.name == "@CyngorPowys" and identity.url == "https://x.com/CyngorPowys"
    assert identity.token_expires_at is None
    assert X(account("x"), env=X_ENV).profile() == "Cyngor Sir Powys"


# -- the accounts check on the Graph API and Mastodon ----------------------------------------------


@responses.activate
def test_facebook_verify_reports_the_earliest_expiry_from_the_token_debugger() -> None:
    responses.get(f"{BASE}/v24.0/1234", json={"id": "1234", "name": "Cyngor Sir Powys", "link": "https://fb/1234"})
    responses.get(
        f"{BASE}/v24.0/debug_token",
        match=[matchers.query_param_matcher({"input_token": SECRET, "access_token": SECRET})],
        json={"data": {"is_valid": True, "expires_at": 0, "data_access_expires_at": 1893456000}},
    )
    identity = Facebook(account("facebook", page_id="1234"), env=FB_ENV).verify()
    assert identity.name == "Cyngor Sir Powys"
    assert identity.token_expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert identity.token_note == "the token's data access"
    responses.replace(responses.GET, f"{BASE}/v24.0/debug_token", json={"data": {"is_valid": True, "expires_at": 0}})
    never = Facebook(account("facebook", page_id="1234"), env=FB_ENV).verify()
    assert never.token_expires_at is None and never.token_note == "the token never expires"
    responses.replace(
        responses.GET, f"{BASE}/v24.0/1234", json={"about": "Newyddion Cyngor Sir Powys.", "description": "News."}
    )
    assert Facebook(account("facebook", page_id="1234"), env=FB_ENV).profile() == "Newyddion Cyngor Sir Powys.\nNews."


@responses.activate
def test_instagram_verify_and_profile() -> None:
    responses.get(
        f"{BASE}/v24.0/17841",
        match=[matchers.query_param_matcher({"fields": "id,username"}, strict_match=False)],
        json={"id": "17841", "username": "cyngorpowys"},
    )
    responses.get(f"{BASE}/v24.0/debug_token", json={"data": {"is_valid": True, "expires_at": 1893456000}})
    identity = Instagram(account("instagram", ig_user_id="17841"), env={"P_ACCESS_TOKEN": SECRET}).verify()
    assert identity.name == "@cyngorpowys" and identity.token_expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    responses.get(
        f"{BASE}/v24.0/17841",
        match=[matchers.query_param_matcher({"fields": "biography"}, strict_match=False)],
        json={"biography": "Cyngor Sir Powys"},
    )
    assert Instagram(account("instagram", ig_user_id="17841"), env={"P_ACCESS_TOKEN": SECRET}).profile() == (
        "Cyngor Sir Powys"
    )


@responses.activate
def test_mastodon_gives_a_combined_text_the_language_of_its_first_text() -> None:
    responses.post(f"{BASE}/api/v1/statuses", json={"id": "s1", "url": f"{BASE}/@c/s1", "content": "<p>x</p>"})
    Mastodon(account("mastodon"), env=M_ENV).publish(request("Ar gau.\n\nClosed.", language="cy+en"))
    sent = responses.calls[0].request.body
    sent = sent if isinstance(sent, str) else sent.decode()
    fields = json.loads(sent) if sent.startswith("{") else dict(p.split("=", 1) for p in sent.split("&"))
    assert fields["language"] == "cy"


@responses.activate
def test_mastodon_verify_and_profile_read_the_note_as_written() -> None:
    me = {
        "id": "7",
        "acct": "cyngor",
        "url": f"{BASE}/@cyngor",
        "note": "<p>Cyngor Sir Powys</p><p>Powys County Council</p>",
        "source": {"note": "Cyngor Sir Powys\nPowys County Council"},
    }
    responses.get(f"{BASE}/api/v1/accounts/verify_credentials", json=me)
    mastodon = Mastodon(account("mastodon"), env=M_ENV)
    assert mastodon.verify().name == "@cyngor"
    assert mastodon.profile() == "Cyngor Sir Powys\nPowys County Council"
