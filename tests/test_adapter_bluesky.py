"""The Bluesky adapter against an httpx MockTransport injected into atproto's HTTP client."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

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
from publisher.platforms.bluesky import Bluesky, facets, record_key

from pictures import metadata, photo

ENV = {"B_HANDLE": "cyngor.bsky.social", "B_APP_PASSWORD": "app-pass-9x8y-7z6w"}
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _jwt() -> str:
    def enc(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": "did:plc:abc", "exp": 4102444800, "iat": 1700000000, "scope": "com.atproto.access"}
    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims)}.c2ln"


class FakePDS:
    """Answers the few XRPC methods the adapter uses; ``create`` decides createRecord's answer."""

    def __init__(self, create: Any = None) -> None:
        self.calls: list[httpx.Request] = []
        self.create = create
        self.records: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        method = request.url.path.rsplit("/", 1)[-1]
        if method == "com.atproto.server.createSession":
            return httpx.Response(
                200,
                json={
                    "did": "did:plc:abc",
                    "handle": "cyngor.bsky.social",
                    "accessJwt": _jwt(),
                    "refreshJwt": _jwt(),
                    "active": True,
                },
            )
        if method == "app.bsky.actor.getProfile":
            return httpx.Response(
                200,
                json={
                    "did": "did:plc:abc",
                    "handle": "cyngor.bsky.social",
                    "description": "Gwasanaeth Cyngor Sir Powys.",
                },
            )
        if method == "com.atproto.repo.uploadBlob":
            return httpx.Response(
                200,
                json={"blob": {"$type": "blob", "ref": {"$link": "bafkreiblob"}, "mimeType": "image/jpeg", "size": 36}},
            )
        if method == "com.atproto.repo.createRecord":
            if self.create is not None:
                result = self.create(request)
                if result is not None:
                    return result
            body = json.loads(request.content)
            self.records[body["rkey"]] = body["record"]
            return httpx.Response(
                200, json={"uri": f"at://did:plc:abc/app.bsky.feed.post/{body['rkey']}", "cid": "bafyreicid"}
            )
        if method == "com.atproto.repo.getRecord":
            rkey = request.url.params["rkey"]
            if rkey not in self.records:
                return httpx.Response(
                    400,
                    json={
                        "error": "RecordNotFound",
                        "message": f"Could not locate record: at://did:plc:abc/app.bsky.feed.post/{rkey}",
                    },
                )
            return httpx.Response(
                200,
                json={
                    "uri": f"at://did:plc:abc/app.bsky.feed.post/{rkey}",
                    "cid": "bafyreicid",
                    "value": self.records[rkey],
                },
            )
        return httpx.Response(404, json={"error": "MethodNotImplemented", "message": method})

    def created(self) -> dict[str, Any]:
        return json.loads(next(r for r in self.calls if r.url.path.endswith("createRecord")).content)


def untyped(value: Any) -> Any:
    """``value`` without atproto's ``$type`` markers."""
    if isinstance(value, dict):
        return {k: untyped(v) for k, v in value.items() if k != "$type"}
    return value


def adapter(pds: FakePDS, api_base: str = "http://pds.test") -> Bluesky:
    bluesky = Bluesky(Account(name="b", platform="bluesky", credentials_env="B", api_base=api_base), env=ENV)
    bluesky.http_transport = httpx.MockTransport(pds)
    return bluesky


def request(
    text: str = "Mae'r ŵyl yn dechrau: https://www.example.gov.uk/ŵyl #Powys 🏴󠁧󠁢󠁷󠁬󠁳󠁿", **kwargs: Any
) -> PublishRequest:
    return PublishRequest(text=text, language=kwargs.pop("language", "cy"), idempotency_key="key-1", **kwargs)


def test_record_has_language_byte_offset_facets_and_a_deterministic_key() -> None:
    pds = FakePDS()
    posted = adapter(pds).publish(request())
    sent = pds.created()
    assert pds.calls[0].url.host == "pds.test"
    assert sent["rkey"] == record_key("key-1") and TID.match(sent["rkey"])
    assert (
        posted.id == sent["rkey"] and posted.url == f"https://bsky.app/profile/cyngor.bsky.social/post/{sent['rkey']}"
    )
    record = sent["record"]
    assert record["langs"] == ["cy"]
    text_bytes = record["text"].encode()
    link, tag = record["facets"]
    assert (
        text_bytes[link["index"]["byteStart"] : link["index"]["byteEnd"]].decode() == "https://www.example.gov.uk/ŵyl"
    )
    assert link["features"][0]["uri"] == "https://www.example.gov.uk/ŵyl"
    assert text_bytes[tag["index"]["byteStart"] : tag["index"]["byteEnd"]].decode() == "#Powys"
    assert tag["features"][0]["tag"] == "Powys"


def test_images_carry_alt_text_and_replies_keep_the_thread_root(tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(photo())
    pds = FakePDS()
    root = {"uri": "at://did:plc:abc/app.bsky.feed.post/root", "cid": "cidroot"}
    parent = RemotePost(id="p", extra={"uri": "at://did:plc:abc/app.bsky.feed.post/p", "cid": "cidp", "root": root})
    posted = adapter(pds).publish(
        request(
            "The festival starts today.",
            language="en",
            media=(MediaFile(path=image, alt="A stage in a field."),),
            reply_to=parent,
        )
    )
    record = pds.created()["record"]
    assert record["langs"] == ["en"]
    assert record["embed"]["images"][0]["alt"] == "A stage in a field."
    assert record["embed"]["images"][0]["image"]["ref"] == {"$link": "bafkreiblob"}
    assert untyped(record["reply"]) == {"root": root, "parent": {"uri": parent.extra["uri"], "cid": "cidp"}}
    assert posted.extra["root"] == root
    [upload] = [c for c in pds.calls if c.url.path.endswith("uploadBlob")]
    assert metadata(upload.content) == {}, "no EXIF, GPS or XMP reaches Bluesky"


def test_reconcile_finds_the_record_by_its_key_and_a_resend_cannot_duplicate() -> None:
    pds = FakePDS()
    bluesky = adapter(pds)
    since = datetime(2027, 1, 1, tzinfo=UTC)
    assert bluesky.find_recent(request(), since) is None
    first = bluesky.publish(request())
    assert bluesky.find_recent(request(), since) == first

    def exists(req: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "InvalidRequest", "message": "Record already exists"})

    pds.create = exists
    assert bluesky.publish(request()).id == first.id, "a resend of the same delivery finds the existing record"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            httpx.Response(
                429,
                json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                headers={"ratelimit-reset": "1893456000"},
            ),
            RateLimited,
        ),
        (httpx.Response(502, json={"error": "InternalServerError", "message": "upstream"}), TransientError),
        (
            httpx.Response(
                400, json={"error": "InvalidRequest", "message": "Record/text must not be longer than 300 graphemes"}
            ),
            PermanentError,
        ),
        (httpx.ReadTimeout("read timed out"), OutcomeUnknown),
        (httpx.ConnectError("connection refused"), TransientError),
    ],
)
def test_error_classes(answer: Any, expected: type) -> None:
    def create(req: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(expected) as caught:
        adapter(FakePDS(create)).publish(request())
    assert ENV["B_APP_PASSWORD"] not in str(caught.value)
    if expected is RateLimited:
        assert caught.value.retry_at == datetime(2030, 1, 1, tzinfo=UTC)
    if expected is PermanentError:
        assert "300 graphemes" in caught.value.message


def test_facets_count_bytes_not_characters() -> None:
    text = "ŵ🏴󠁧󠁢󠁷󠁬󠁳󠁿 https://a.example/x"
    [link] = facets(text)
    assert link["index"]["byteStart"] == len("ŵ🏴󠁧󠁢󠁷󠁬󠁳󠁿 ".encode()) != len("ŵ🏴󠁧󠁢󠁷󠁬󠁳󠁿 ")
    assert record_key("a") == record_key("a") != record_key("b")


def test_a_combined_text_carries_both_languages_welsh_first() -> None:
    pds = FakePDS()
    adapter(pds).publish(request("Ar gau heddiw.\n\nClosed today.", language="cy+en"))
    assert pds.created()["record"]["langs"] == ["cy", "en"]


def test_verify_is_the_login_and_profile_reads_the_description() -> None:
    pds = FakePDS()
    bluesky = adapter(pds)
    identity = bluesky.verify()
    assert identity.name == "@cyngor.bsky.social" and identity.id == "did:plc:abc"
    assert identity.token_expires_at is None and "do not expire" in identity.token_note
    assert bluesky.profile() == "Gwasanaeth Cyngor Sir Powys."
    assert pds.calls[0].url.path.endswith("com.atproto.server.createSession")
