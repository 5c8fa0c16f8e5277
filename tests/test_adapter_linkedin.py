"""The LinkedIn Pages adapter against ``responses``: the versioned Posts API, images, comments, edits, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st
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
from publisher.platforms.linkedin import LinkedIn, little_text, plain_text
from publisher.platforms.media import prepare
from publisher.platforms.specs import SPECS

from pictures import metadata, photo

BASE = "http://linkedin.test"
SECRET = "AQX-li-token-77c1d0"
ENV = {"P_ACCESS_TOKEN": SECRET}
ORG = "urn:li:organization:2414183"


def linkedin(**options: str) -> LinkedIn:
    options = {"organization_id": "2414183", **options}
    return LinkedIn(
        Account(name="li", platform="linkedin", credentials_env="P", api_base=BASE, options=options), env=ENV
    )


def request(text: str = "Bydd y llyfrgell ar gau (dydd Llun) #Powys", **kwargs) -> PublishRequest:  # type: ignore[no-untyped-def]
    return PublishRequest(text=text, language="cy", idempotency_key="k" * 32, **kwargs)


def body(call: responses.Call) -> dict:  # type: ignore[type-arg]
    return json.loads(call.request.body)


def image(tmp_path: Path, name: str) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(photo())
    return MediaFile(path=path, alt=f"Llun o'r llyfrgell ({name}).")


def test_little_text_escapes_reserved_characters_but_keeps_links_and_hashtags() -> None:
    text = "Ar gau (dydd Llun) [gweler] @Cyngor *nodyn* ~ <a> | a_b https://www.example.gov.uk/a_(b)#c #Powys"
    assert little_text(text) == (
        "Ar gau \\(dydd Llun\\) \\[gweler\\] \\@Cyngor \\*nodyn\\* \\~ \\<a\\> \\| a\\_b "
        "https://www.example.gov.uk/a_(b)#c #Powys"
    )
    assert plain_text(little_text(text)) == text
    assert plain_text("Newyddion {hashtag|\\#|Powys} \\(heddiw\\)") == "Newyddion #Powys (heddiw)"


@given(st.text(alphabet="ab (){}[]@#*_~<>|\\ŵ\n", max_size=40))
def test_little_text_reads_back_as_the_text(text: str) -> None:
    assert plain_text(little_text(text)) == text


@responses.activate
def test_a_text_post_as_the_organisation_with_the_versioned_headers() -> None:
    responses.post(f"{BASE}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:7001"})
    posted = linkedin(linkedin_version="202611").publish(request())
    assert posted == RemotePost(id="urn:li:share:7001", url="https://www.linkedin.com/feed/update/urn:li:share:7001/")
    [call] = responses.calls
    assert call.request.headers["Authorization"] == f"Bearer {SECRET}"
    assert call.request.headers["LinkedIn-Version"] == "202611"
    assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert body(call) == {
        "author": ORG,
        "commentary": "Bydd y llyfrgell ar gau \\(dydd Llun\\) #Powys",
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


@responses.activate
def test_images_go_through_the_images_api_with_alt_text(tmp_path: Path) -> None:
    ids = iter(["urn:li:image:A", "urn:li:image:B"])

    def initialise(_: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        urn = next(ids)
        value = {"uploadUrl": f"https://upload.test/{urn[-1]}", "image": urn, "uploadUrlExpiresAt": 1}
        return 200, {}, json.dumps({"value": value})

    responses.add_callback(responses.POST, f"{BASE}/rest/images", callback=initialise)
    responses.put("https://upload.test/A", status=201)
    responses.put("https://upload.test/B", status=201)
    responses.post(f"{BASE}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:7002"})
    linkedin().publish(request(media=(image(tmp_path, "a.png"),)))
    init, upload, post = responses.calls
    assert init.request.url == f"{BASE}/rest/images?action=initializeUpload"
    assert body(init) == {"initializeUploadRequest": {"owner": ORG}}
    assert metadata(upload.request.body) == {}, "the upload is the prepared copy, without location data"
    assert upload.request.body == prepare(tmp_path / "a.png", SPECS["linkedin"]).data
    assert upload.request.headers["Content-Type"] == "application/octet-stream"
    assert body(post)["content"] == {"media": {"id": "urn:li:image:A", "altText": "Llun o'r llyfrgell (a.png)."}}
    responses.calls.reset()
    ids = iter(["urn:li:image:A", "urn:li:image:B"])
    linkedin().publish(request(media=(image(tmp_path, "a.png"), image(tmp_path, "b.png"))))
    assert body(responses.calls[-1])["content"] == {
        "multiImage": {
            "images": [
                {"id": "urn:li:image:A", "altText": "Llun o'r llyfrgell (a.png)."},
                {"id": "urn:li:image:B", "altText": "Llun o'r llyfrgell (b.png)."},
            ]
        }
    }


@responses.activate
def test_a_reply_is_a_comment_and_an_answer_to_a_comment_is_nested() -> None:
    share = "urn:li:share:7001"
    responses.post(
        f"{BASE}/rest/socialActions/urn%3Ali%3Ashare%3A7001/comments",
        status=201,
        headers={"x-restli-id": "urn:li:comment:(urn:li:activity:1,55)"},
        json={"id": "55"},
    )
    first = linkedin().publish(request("The library is closed (Monday).", reply_to=RemotePost(id=share)))
    assert first.id == "urn:li:comment:(urn:li:activity:1,55)" and first.extra == {"comment_on": share}
    assert body(responses.calls[0]) == {
        "actor": ORG,
        "object": share,
        "message": {"text": "The library is closed \\(Monday\\)."},
    }
    linkedin().publish(request("Part two.", reply_to=first))
    assert body(responses.calls[1])["parentComment"] == first.id and body(responses.calls[1])["object"] == share


@responses.activate
def test_an_edit_is_a_partial_update_of_the_commentary() -> None:
    responses.post(f"{BASE}/rest/posts/urn%3Ali%3Ashare%3A7001", status=204)
    post = RemotePost(id="urn:li:share:7001", url="u")
    assert linkedin().edit(post, "Wedi'i gywiro (heddiw)") == post
    [call] = responses.calls
    assert call.request.headers["X-RestLi-Method"] == "PARTIAL_UPDATE"
    assert body(call) == {"patch": {"$set": {"commentary": "Wedi'i gywiro \\(heddiw\\)"}}}


@responses.activate
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            {
                "status": 429,
                "json": {"message": "Resource level throttle", "status": 429},
                "headers": {"Retry-After": "60"},
            },
            RateLimited,
        ),
        ({"status": 503, "json": {"message": "Service Unavailable", "status": 503}}, TransientError),
        ({"status": 401, "json": {"message": f"Invalid access token {SECRET}", "status": 401}}, PermanentError),
        ({"status": 422, "json": {"message": "ERROR :: /commentary :: too long", "status": 422}}, PermanentError),
        ({"body": requests.exceptions.ReadTimeout("read timed out")}, OutcomeUnknown),
        ({"body": requests.exceptions.ConnectionError("NewConnectionError: Connection refused")}, TransientError),
    ],
)
def test_error_classes(kind: dict, expected: type) -> None:  # type: ignore[type-arg]
    responses.post(f"{BASE}/rest/posts", **kind)
    with pytest.raises(expected) as caught:
        linkedin().publish(request())
    assert SECRET not in str(caught.value)
    if expected is RateLimited:
        assert caught.value.retry_at is not None


@responses.activate
def test_a_post_accepted_without_its_id_is_found_before_any_resend() -> None:
    responses.post(f"{BASE}/rest/posts", status=201)
    with pytest.raises(OutcomeUnknown, match="did not say its id"):
        linkedin().publish(request())


@responses.activate
def test_a_duplicate_refusal_names_the_post_that_landed() -> None:
    responses.post(
        f"{BASE}/rest/posts",
        status=422,
        json={"message": "Content is a duplicate of urn:li:share:7009", "status": 422},
    )
    assert linkedin().publish(request()).id == "urn:li:share:7009"


@responses.activate
def test_find_recent_pages_the_organisations_posts_and_stops_at_older_ones() -> None:
    since = datetime(2027, 1, 12, 10, tzinfo=UTC)
    recent = int(since.timestamp() * 1000) + 5000
    first_page = [{"id": f"urn:li:share:{i}", "commentary": "arall", "createdAt": recent} for i in range(50)]
    responses.get(
        f"{BASE}/rest/posts",
        match=[matchers.query_param_matcher({"author": ORG, "q": "author", "start": "0"}, strict_match=False)],
        json={"elements": first_page},
    )
    responses.get(
        f"{BASE}/rest/posts",
        match=[matchers.query_param_matcher({"start": "50", "sortBy": "CREATED", "count": "50"}, strict_match=False)],
        json={
            "elements": [
                {
                    "id": "urn:li:share:99",
                    "commentary": "Bydd y llyfrgell ar gau \\(dydd Llun\\) {hashtag|\\#|Powys}",
                    "createdAt": recent,
                }
            ]
        },
    )
    found = linkedin().find_recent(request(), since)
    assert found is not None and found.id == "urn:li:share:99"
    assert responses.calls[0].request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    responses.calls.reset()
    older = [{"id": "urn:li:share:1", "commentary": "arall", "createdAt": recent - 10**9}] * 50
    responses.replace(responses.GET, f"{BASE}/rest/posts", json={"elements": older})
    assert linkedin().find_recent(request(), since) is None
    assert len(responses.calls) == 1, "nothing older than the first attempt can be ours"


@responses.activate
def test_find_recent_of_a_reply_reads_the_comments() -> None:
    responses.get(
        f"{BASE}/rest/socialActions/urn%3Ali%3Ashare%3A7001/comments",
        json={"elements": [{"$URN": "urn:li:comment:(x,1)", "message": {"text": "Part two \\(b\\)."}}]},
    )
    found = linkedin().find_recent(
        request("Part two (b).", reply_to=RemotePost(id="urn:li:share:7001")), datetime.now(UTC)
    )
    assert found is not None and found.id == "urn:li:comment:(x,1)"


@responses.activate
def test_verify_reads_the_organisation_and_the_configured_expiry() -> None:
    organization = {
        "id": 2414183,
        "localizedName": "Cyngor Sir Powys",
        "vanityName": "cyngor-sir-powys",
        "description": {"localized": {"en_US": "Powys County Council.", "cy_GB": "Cyngor Sir Powys."}},
    }
    responses.get(f"{BASE}/rest/organizations/2414183", json=organization)
    identity = linkedin(credentials_expire_on="2027-01-31").verify()
    assert identity.name == "Cyngor Sir Powys" and identity.url == "https://www.linkedin.com/company/cyngor-sir-powys/"
    assert identity.token_expires_at == datetime(2027, 1, 31, tzinfo=UTC)
    assert linkedin().verify().token_expires_at is None
    assert "set credentials_expire_on" in linkedin().verify().token_note
    assert linkedin().profile() == "Powys County Council.\nCyngor Sir Powys."
    with pytest.raises(PermanentError, match="not a date"):
        linkedin(credentials_expire_on="next March").verify()


def test_the_organisation_id_comes_from_the_option_or_the_environment() -> None:
    account = Account(name="li", platform="linkedin", credentials_env="P", api_base=BASE)
    assert LinkedIn(account, env={**ENV, "P_ORGANIZATION_ID": "77"}).organization_urn == "urn:li:organization:77"
    with pytest.raises(PermanentError, match="P_ORGANIZATION_ID is not set"):
        _ = LinkedIn(account, env=ENV).organization_urn
