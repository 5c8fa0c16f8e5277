"""The Threads adapter against ``responses``: the exact requests (container, then publish), and every error class."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

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
from publisher.platforms.threads import Threads

from pictures import metadata, photo

BASE = "http://threads.test"
SECRET = "th-long-lived-5e1f9a"
ENV = {"P_ACCESS_TOKEN": SECRET}


def served(tmp_path: Path) -> dict[str, str]:
    """Options naming the folder the website serves at media_base_url, where Threads fetches the copies."""
    return {"media_base_url": "https://cdn.example/social", "media_folder": str(tmp_path / "website")}


def threads(**options: str) -> Threads:
    adapter = Threads(
        Account(name="t", platform="threads", credentials_env="P", api_base=BASE, options=options), env=ENV
    )
    adapter.poll_interval = 0
    return adapter


def form(call: responses.Call) -> dict[str, str]:
    body = call.request.body
    text = body if isinstance(body, str) else (body or b"").decode()
    return {k: v[0] for k, v in parse_qs(text).items()}


def request(text: str = "Bydd y llyfrgell ar gau ddydd Llun.", **kwargs) -> PublishRequest:  # type: ignore[no-untyped-def]
    return PublishRequest(text=text, language="cy", idempotency_key="k" * 32, **kwargs)


def image(tmp_path: Path, name: str = "gritter.jpg") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(photo())
    return MediaFile(path=path, alt=f"Lori graeanu ({name}).")


@responses.activate
def test_a_text_post_is_a_container_then_a_publish() -> None:
    responses.post(f"{BASE}/v1.0/me/threads", json={"id": "c1"})
    responses.post(f"{BASE}/v1.0/me/threads_publish", json={"id": "m1"})
    responses.get(f"{BASE}/v1.0/m1", json={"id": "m1", "permalink": "https://www.threads.net/@c/post/abc"})
    posted = threads().publish(request())
    assert posted == RemotePost(id="m1", url="https://www.threads.net/@c/post/abc")
    container, publish, permalink = responses.calls
    assert form(container) == {
        "media_type": "TEXT",
        "text": "Bydd y llyfrgell ar gau ddydd Llun.",
        "access_token": SECRET,
    }
    assert form(publish) == {"creation_id": "c1", "access_token": SECRET}
    assert "fields=permalink" in permalink.request.url


@responses.activate
def test_an_image_reply_waits_for_the_container_and_carries_alt_text(tmp_path: Path) -> None:
    responses.post(f"{BASE}/v1.0/17841/threads", json={"id": "c1"})
    responses.get(f"{BASE}/v1.0/c1", json={"status": "IN_PROGRESS"})
    responses.get(f"{BASE}/v1.0/c1", json={"status": "FINISHED"})
    responses.post(f"{BASE}/v1.0/17841/threads_publish", json={"id": "m2"})
    responses.get(f"{BASE}/v1.0/m2", json={"permalink": "https://www.threads.net/@c/post/def"})
    adapter = threads(threads_user_id="17841", **served(tmp_path))
    posted = adapter.publish(request(media=(image(tmp_path),), reply_to=RemotePost(id="m1")))
    assert posted.id == "m2" and posted.extra == {"reply_to": "m1"}
    sent = form(responses.calls[0])
    [copy] = list((tmp_path / "website").iterdir())
    assert metadata(copy.read_bytes()) == {}, "what Threads fetches is the copy without location data"
    assert sent == {
        "text": "Bydd y llyfrgell ar gau ddydd Llun.",
        "reply_to_id": "m1",
        "media_type": "IMAGE",
        "image_url": f"https://cdn.example/social/{copy.name}",
        "alt_text": "Lori graeanu (gritter.jpg).",
        "access_token": SECRET,
    }
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "GET", "POST", "GET"]


@responses.activate
def test_several_images_are_a_carousel_of_children(tmp_path: Path) -> None:
    ids = iter(["child1", "child2", "car"])
    responses.add_callback(
        responses.POST, f"{BASE}/v1.0/me/threads", callback=lambda _: (200, {}, f'{{"id": "{next(ids)}"}}')
    )
    for ident in ("child1", "child2", "car"):
        responses.get(f"{BASE}/v1.0/{ident}", json={"status": "FINISHED"})
    responses.post(f"{BASE}/v1.0/me/threads_publish", json={"id": "m3"})
    responses.get(f"{BASE}/v1.0/m3", json={"permalink": "https://www.threads.net/@c/post/ghi"})
    threads(**served(tmp_path)).publish(request(media=(image(tmp_path, "a.jpg"), image(tmp_path, "b.jpg"))))
    made = [form(c) for c in responses.calls if c.request.url.endswith("/threads")]
    assert [m.get("is_carousel_item") for m in made] == ["true", "true", None]
    assert [m.get("alt_text") for m in made[:2]] == ["Lori graeanu (a.jpg).", "Lori graeanu (b.jpg)."]
    assert made[2]["media_type"] == "CAROUSEL" and made[2]["children"] == "child1,child2"
    assert made[2]["text"] == "Bydd y llyfrgell ar gau ddydd Llun."
    assert form(responses.calls[-2]) == {"creation_id": "car", "access_token": SECRET}


def test_an_image_needs_a_served_folder(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="media_folder"):
        threads(media_base_url="https://cdn.example/social").publish(request(media=(image(tmp_path),)))


@responses.activate
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            {"status": 400, "json": {"error": {"message": "Application request limit reached", "code": 4}}},
            RateLimited,
        ),
        (
            {"status": 500, "json": {"error": {"message": "An unknown error", "code": 1, "is_transient": True}}},
            TransientError,
        ),
        (
            {"status": 400, "json": {"error": {"message": f"Invalid OAuth access token {SECRET}", "code": 190}}},
            PermanentError,
        ),
        ({"body": requests.exceptions.ReadTimeout("read timed out")}, OutcomeUnknown),
        ({"body": requests.exceptions.ConnectionError("NewConnectionError: Connection refused")}, TransientError),
    ],
)
def test_error_classes_at_the_publish_step(kind: dict, expected: type) -> None:
    responses.post(f"{BASE}/v1.0/me/threads", json={"id": "c1"})
    responses.post(f"{BASE}/v1.0/me/threads_publish", **kind)
    with pytest.raises(expected) as caught:
        threads().publish(request())
    assert SECRET not in str(caught.value)


@responses.activate
def test_the_post_is_out_even_when_its_permalink_cannot_be_read() -> None:
    responses.post(f"{BASE}/v1.0/me/threads", json={"id": "c1"})
    responses.post(f"{BASE}/v1.0/me/threads_publish", json={"id": "m1"})
    responses.get(f"{BASE}/v1.0/m1", status=500, json={"error": {"message": "oops", "code": 2}})
    assert threads().publish(request()) == RemotePost(id="m1", url=None)


@responses.activate
def test_find_recent_searches_threads_then_replies_through_pages() -> None:
    since = datetime(2027, 1, 12, 10, tzinfo=UTC)
    responses.get(
        f"{BASE}/v1.0/me/threads",
        match=[matchers.query_param_matcher({"since": "1799748000", "limit": "50"}, strict_match=False)],
        json={
            "data": [{"id": "1", "text": "other"}],
            "paging": {"cursors": {"after": "p2"}, "next": f"{BASE}/v1.0/me/threads?after=p2"},
        },
    )
    responses.get(
        f"{BASE}/v1.0/me/threads",
        match=[matchers.query_param_matcher({"after": "p2"}, strict_match=False)],
        json={"data": [{"id": "7", "text": "Bydd y llyfrgell ar gau ddydd Llun.", "permalink": "https://t/7"}]},
    )
    found = threads().find_recent(request(), since)
    assert found == RemotePost(id="7", url="https://t/7")
    responses.get(f"{BASE}/v1.0/me/replies", json={"data": [], "paging": {}})
    assert threads().find_recent(request(reply_to=RemotePost(id="7")), since) is None
    assert responses.calls[-1].request.url.startswith(f"{BASE}/v1.0/me/replies")


@responses.activate
def test_verify_reads_the_profile_and_the_token_expiry() -> None:
    responses.get(
        f"{BASE}/v1.0/me",
        match=[matchers.query_param_matcher({"fields": "id,username"}, strict_match=False)],
        json={"id": "17841", "username": "cyngor_powys"},
    )
    responses.get(
        f"{BASE}/v1.0/debug_token",
        match=[matchers.query_param_matcher({"input_token": SECRET, "access_token": SECRET})],
        json={"data": {"is_valid": True, "expires_at": 1893456000, "data_access_expires_at": 1893542400}},
    )
    identity = threads().verify()
    assert identity.name == "@cyngor_powys" and identity.url == "https://www.threads.net/@cyngor_powys"
    assert identity.token_expires_at == datetime(2030, 1, 1, tzinfo=UTC) and identity.token_note == "the token"
    responses.get(f"{BASE}/v1.0/me", json={"threads_biography": "Gwasanaeth gan Gyngor Sir Powys."})
    assert threads().profile() == "Gwasanaeth gan Gyngor Sir Powys."


@responses.activate
def test_an_invalid_token_is_a_problem_for_a_person() -> None:
    responses.get(f"{BASE}/v1.0/me", json={"id": "1", "username": "c"})
    responses.get(
        f"{BASE}/v1.0/debug_token",
        json={"data": {"is_valid": False, "error": {"message": "Session has expired on Friday"}}},
    )
    with pytest.raises(PermanentError, match="Session has expired"):
        threads().verify()
