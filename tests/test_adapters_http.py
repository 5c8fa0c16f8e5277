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
