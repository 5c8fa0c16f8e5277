"""``publisher preview``: exactly what each account receives, in order, with counted lengths."""

from __future__ import annotations

import json

from click.testing import CliRunner

from publisher.cli import cli

from conftest import CY_FRONT, Project

THREAD = CY_FRONT.replace("[local]", "[local, powys-x, powys-bluesky, powys-mastodon]") + "thread: true\n"
CY = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol.\n\n---\n\nMae rhagor o fanylion ar ein gwefan: https://www.example.gov.uk/llyfrgelloedd"
EN = "The library will be closed on Monday because of electrical work.\n\n---\n\nThere are more details on our website: https://www.example.gov.uk/libraries"


def preview(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["preview", *args])
    return result.exit_code, result.output


def test_json_lists_every_message_in_publishing_order(project: Project) -> None:
    project.post(cy_front=THREAD, cy_body=CY, en_body=EN)
    code, output = preview("post", "--format", "json")
    assert code == 0, output
    data = json.loads(output)
    assert data["post"] == "post" and data["errors"] == []
    assert data["publish_at"]["utc"] == "2027-01-12T10:00:00+00:00"
    by_account = {a["account"]: a["messages"] for a in data["accounts"]}
    assert [m["language"] for m in by_account["local"]] == ["cy+en", "cy+en"]
    assert (
        by_account["local"][0]["text"].startswith("Bydd y llyfrgell")
        and "The library" in by_account["local"][0]["text"]
    )
    x = by_account["powys-x"]
    assert [(m["language"], m["part"], m["reply_to"]) for m in x] == [
        ("cy", 0, None),
        ("cy", 1, 1),
        ("en", 0, None),
        ("en", 1, 3),
    ]
    assert x[1]["length"] == len("Mae rhagor o fanylion ar ein gwefan: ") + 23 and x[1]["limit"] == 280
    mastodon = by_account["powys-mastodon"]
    assert [(m["language"], m["reply_to"]) for m in mastodon] == [("cy", None), ("cy", 1), ("en", 2), ("en", 3)]
    bluesky = by_account["powys-bluesky"]
    assert [(m["account"], m["language"]) for m in bluesky] == [
        ("powys-bluesky-cy", "cy"),
        ("powys-bluesky-cy", "cy"),
        ("powys-bluesky-en", "en"),
        ("powys-bluesky-en", "en"),
    ]
    assert bluesky[0]["limit"] == 300


def test_text_output_and_account_filter(project: Project) -> None:
    project.post(cy_front=THREAD, cy_body=CY, en_body=EN)
    code, output = preview("post", "--account", "powys-x")
    assert code == 0
    assert "powys-x:" in output and "local:" not in output
    assert "#1 Welsh part 1 -> powys-x (x): 60 characters, limit 280" in output
    assert "#4 English part 2 -> powys-x (x, reply to #3)" in output


def test_post_with_errors_exits_1_and_says_so(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("reviewed: true", "reviewed: false"))
    code, output = preview("post")
    assert code == 1
    assert "will not be published until they are fixed: translation-unreviewed" in output


def test_unknown_post_or_account_exits_2_with_a_suggestion(project: Project) -> None:
    project.post("2027/01/gritting")
    code, output = preview("2027/01/griting")
    assert code == 2 and "did you mean '2027/01/gritting'" in output
    code, output = preview("2027/01/gritting", "--account", "powys-x")
    assert code == 2 and "does not go to 'powys-x'" in output
