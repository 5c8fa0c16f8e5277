"""The feed channel: bilingual Atom feeds, partner links, exactly once, atomic files (policy 7.2.10)."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from publisher.cli import cli
from publisher.platforms.account import Account
from publisher.platforms.base import MediaFile, PermanentError, PublishRequest
from publisher.platforms.feed import Feed

from conftest import CY_BODY, EN_BODY, Project
from pictures import metadata, photo

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BASE_URL = "https://www.example.gov.uk/feeds"


def feed(tmp_path: Path, **options: str) -> Feed:
    options = {"base_url": BASE_URL, **options}
    return Feed(Account(name="news", platform="feed", path=str(tmp_path / "feeds"), options=options))


def request(text: str, language: str, key: str, post: str = "2027/01/llyfrgell", **kwargs) -> PublishRequest:  # type: ignore[no-untyped-def]
    return PublishRequest(text=text, language=language, idempotency_key=key, post=post, **kwargs)


def entries(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def links(entry: ET.Element, rel: str) -> list[dict[str, str]]:
    return [dict(link.attrib) for link in entry.findall(f"{ATOM}link") if link.get("rel") == rel]


def test_welsh_and_english_entries_link_to_each_other(tmp_path: Path) -> None:
    adapter = feed(tmp_path)
    welsh = adapter.publish(request(CY_BODY, "cy", "k-cy"))
    english = adapter.publish(request(EN_BODY, "en", "k-en"))
    folder = tmp_path / "feeds"
    cy_root, en_root = ET.parse(folder / "cy.atom").getroot(), ET.parse(folder / "en.atom").getroot()
    assert cy_root.get(XML_LANG) == "cy" and en_root.get(XML_LANG) == "en"
    [cy_entry], [en_entry] = entries(folder / "cy.atom"), entries(folder / "en.atom")
    assert cy_entry.findtext(f"{ATOM}content") == CY_BODY and en_entry.findtext(f"{ATOM}content") == EN_BODY
    assert links(cy_entry, "alternate") == [{"rel": "alternate", "hreflang": "en", "href": english.url}]
    assert links(en_entry, "alternate") == [{"rel": "alternate", "hreflang": "cy", "href": welsh.url}]
    assert welsh.url and welsh.url.startswith(f"{BASE_URL}/cy.atom#")
    assert cy_entry.findtext(f"{ATOM}id") != en_entry.findtext(f"{ATOM}id")
    self_link = [dict(link.attrib) for link in cy_root.findall(f"{ATOM}link")]
    assert {"href": f"{BASE_URL}/cy.atom", "rel": "self"} in self_link


def test_a_resend_replaces_its_entry_and_never_adds_a_second(tmp_path: Path) -> None:
    adapter = feed(tmp_path)
    first = adapter.publish(request(CY_BODY, "cy", "k-cy"))
    again = adapter.publish(request(CY_BODY, "cy", "k-cy"))
    assert first == again
    assert len(entries(tmp_path / "feeds" / "cy.atom")) == 1
    assert adapter.find_recent(request(CY_BODY, "cy", "k-cy"), datetime.now(UTC)) == first
    assert adapter.find_recent(request(CY_BODY, "cy", "other"), datetime.now(UTC)) is None


def test_reconciling_after_a_crash_brings_the_feeds_up_to_date(tmp_path: Path) -> None:
    adapter = feed(tmp_path)
    adapter.publish(request(CY_BODY, "cy", "k-cy"))
    (tmp_path / "feeds" / "cy.atom").unlink()  # as if the daemon died after writing entries.json
    assert adapter.find_recent(request(CY_BODY, "cy", "k-cy"), datetime.now(UTC)) is not None
    assert len(entries(tmp_path / "feeds" / "cy.atom")) == 1


def test_a_combined_text_goes_in_both_feeds(tmp_path: Path) -> None:
    feed(tmp_path).publish(request(f"{CY_BODY}\n\n{EN_BODY}", "cy+en", "k-both"))
    for language in ("cy", "en"):
        [entry] = entries(tmp_path / "feeds" / f"{language}.atom")
        assert entry.findtext(f"{ATOM}content", "").startswith(CY_BODY)


def test_a_correction_edits_the_entry(tmp_path: Path) -> None:
    adapter = feed(tmp_path)
    with time_machine.travel(datetime(2027, 1, 12, 10, tzinfo=UTC), tick=False):
        posted = adapter.publish(request(CY_BODY, "cy", "k-cy"))
    with time_machine.travel(datetime(2027, 1, 12, 11, tzinfo=UTC), tick=False):
        adapter.edit(posted, "Testun wedi'i gywiro.")
    [entry] = entries(tmp_path / "feeds" / "cy.atom")
    assert entry.findtext(f"{ATOM}content") == "Testun wedi'i gywiro."
    assert entry.findtext(f"{ATOM}published", "").startswith("2027-01-12T10:00")
    assert entry.findtext(f"{ATOM}updated", "").startswith("2027-01-12T11:00")
    store = json.loads((tmp_path / "feeds" / "entries.json").read_text())
    assert store["entries"][0]["edits"][0]["previous_text"] == CY_BODY


def test_images_are_prepared_copies_linked_as_enclosures_titled_with_their_alt_text(tmp_path: Path) -> None:
    image = tmp_path / "gritter.jpg"
    image.write_bytes(photo())
    media = MediaFile(path=image, alt="Lori graeanu felen.")
    feed(tmp_path).publish(request(CY_BODY, "cy", "k-cy", media=(media,)))
    [entry] = entries(tmp_path / "feeds" / "cy.atom")
    [copy] = list((tmp_path / "feeds" / "media").iterdir())
    assert metadata(copy.read_bytes()) == {}, "the feed links the copy without location data"
    assert links(entry, "enclosure") == [
        {
            "rel": "enclosure",
            "href": f"{BASE_URL}/media/{copy.name}",
            "type": "image/jpeg",
            "title": "Lori graeanu felen.",
            "length": str(copy.stat().st_size),
        }
    ]


def test_workers_writing_at_once_lose_no_entry(tmp_path: Path) -> None:
    adapter = feed(tmp_path, max_entries="200")

    def write(worker: int) -> None:
        for index in range(15):
            Feed(adapter.account).publish(request(f"{CY_BODY} ({worker}.{index})", "cy", f"k{worker}-{index}", post=""))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(entries(tmp_path / "feeds" / "cy.atom")) == 60
    assert not [p for p in (tmp_path / "feeds").iterdir() if p.name.endswith(".tmp")], "no half-written file left"


def test_the_feed_keeps_its_newest_entries(tmp_path: Path) -> None:
    adapter = feed(tmp_path, max_entries="3")
    for index in range(5):
        adapter.publish(request(f"Neges {index}", "cy", f"k{index}", post=""))
    titles = [e.findtext(f"{ATOM}title") for e in entries(tmp_path / "feeds" / "cy.atom")]
    assert titles == ["Neges 2", "Neges 3", "Neges 4"]


def test_verify_says_whether_the_folder_can_be_written(tmp_path: Path) -> None:
    assert feed(tmp_path).verify().name == str(tmp_path / "feeds")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    adapter = Feed(Account(name="news", platform="feed", path=str(blocker / "feeds")))
    with pytest.raises(PermanentError, match="cannot be written"):
        adapter.verify()


FEED_CONFIG = """\
[accounts.news-feed]
platform = "feed"
strategy = "separate"
base_url = "https://www.example.gov.uk/feeds"
title_cy = "Newyddion Cyngor Sir Powys"
title_en = "Powys County Council news"
"""
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def test_the_daemon_publishes_to_the_feed_welsh_first_and_exactly_once(project: Project) -> None:
    project.write("config/publisher.toml", FEED_CONFIG)
    project.post("llyfrgell", cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [news-feed]\n{REVIEWED}")
    runner = CliRunner()
    with time_machine.travel(datetime(2027, 1, 12, 10, 1, tzinfo=UTC), tick=False):
        assert runner.invoke(cli, ["run", "--once"], catch_exceptions=False).exit_code == 0
        assert runner.invoke(cli, ["run", "--once"], catch_exceptions=False).exit_code == 0
    folder = project.root / "feeds" / "news-feed"
    [cy_entry], [en_entry] = entries(folder / "cy.atom"), entries(folder / "en.atom")
    assert ET.parse(folder / "cy.atom").getroot().findtext(f"{ATOM}title") == "Newyddion Cyngor Sir Powys"
    assert links(cy_entry, "alternate")[0]["hreflang"] == "en" and links(en_entry, "alternate")[0]["hreflang"] == "cy"
    status = json.loads(runner.invoke(cli, ["status", "--format", "json"]).output)
    [post] = status["posts"]
    welsh, english = post["deliveries"]
    assert welsh["published_at"] <= english["published_at"]
    assert welsh["remote_url"].startswith("https://www.example.gov.uk/feeds/cy.atom#")
