"""accessibility (warnings, each configurable off) and link-language (with [links] in the config)."""

from __future__ import annotations

import pytest

from publisher.errors import ConfigError
from publisher.findings import Finding
from publisher.services.preview import preview
from publisher.text.hashtags import lexicon

from conftest import BASE_CONFIG, CY_BODY, EN_BODY, Project

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def found(project: Project, code: str = "accessibility") -> list[Finding]:
    return [f for f in project.check().findings if f.code == code]


def test_a_plain_post_has_no_accessibility_warnings(project: Project) -> None:
    project.post(cy_body=CY_BODY + " #Powys #TywyddGaeaf", en_body=EN_BODY + " #Powys #WinterWeather")
    assert found(project) == []


@pytest.mark.skipif(not lexicon(None), reason="the word lists come with Tesseract's data (.ci/run installs it)")
def test_run_together_hashtag_gets_its_camel_case(project: Project) -> None:
    project.post(cy_body=CY_BODY + " #tywyddgaeaf", en_body=EN_BODY + " #winterweather #Llandrindod")
    messages = {f.file: f.message for f in found(project)}
    assert "#tywyddgaeaf" in messages["content/post.cy.md"] and "#TywyddGaeaf" in messages["content/post.cy.md"]
    assert "#WinterWeather" in messages["content/post.en.md"]
    assert len(found(project)) == 2, "#Llandrindod is one word"


def test_emoji_count_and_emoji_mid_sentence(project: Project) -> None:
    project.post(
        cy_body="Mae'r ysgol 🏫 ar gau heddiw oherwydd yr eira. Arhoswch yn gynnes a diogel bawb. ❄️",
        en_body=EN_BODY + " 🎄🎅⛄❄️",
    )
    messages = {f.file: f.message for f in found(project)}
    assert "🏫 stands in the middle of a sentence" in messages["content/post.cy.md"]
    assert "4 emoji" in messages["content/post.en.md"]


def test_every_emoji_has_a_character_the_quick_screen_looks_for() -> None:
    """A text without any of these characters skips the emoji scan: no emoji may lack one."""
    import emoji

    from publisher.rules.accessibility import _emoji_characters

    assert all(not _emoji_characters().isdisjoint(key) for key in emoji.EMOJI_DATA)
    assert _emoji_characters().isdisjoint("Mae'r pwll nofio ar agor eto ar ôl y gwaith (ŵ ŷ â). #Powys 1 2 3 *")


def test_hashtag_in_the_middle_more_than_one_link_and_capitals(project: Project) -> None:
    project.post(
        cy_body="Mae #Powys yn cau'r llyfrgelloedd ddydd Llun. PWYSIG: gweler https://www.example.gov.uk/a "
        "a https://www.example.gov.uk/b",
        en_body=EN_BODY,
    )
    messages = " ".join(f.message for f in found(project))
    assert "#Powys stands in the middle" in messages
    assert "2 links" in messages
    assert "capitals (PWYSIG)" in messages
    [first] = [f for f in found(project) if "#Powys" in f.message]
    assert first.line == 6 and first.file == "content/post.cy.md"


def test_alt_text_that_is_a_file_name_or_says_image_of(project: Project) -> None:
    from pictures import plain

    project.write("content/photo.jpg", plain())
    project.post(
        cy_front="publish_at: 2027-01-12T10:00\naccounts: [local]\nmedia:\n"
        "  - {file: photo.jpg, alt: Llun o blant yn chwarae., consent: not-required, rights: own}\n" + REVIEWED,
        en_front="media:\n  - {file: photo.jpg, alt: IMG_2041.JPG}\n",
    )
    messages = {f.file: (f.line, f.message) for f in found(project)}
    assert messages["content/post.cy.md"] == (
        5,
        "media item 1: the alt text starts by saying it is an image, which screen readers already say; "
        "describe what the image shows",
    )
    assert "looks like a file name" in messages["content/post.en.md"][1]


def test_each_check_can_be_turned_off(project: Project) -> None:
    project.post(
        cy_body="Mae #Powys yn cau'r llyfrgelloedd 🏫 ddydd Llun. PWYSIG: https://www.example.gov.uk/a "
        "https://www.example.gov.uk/b 🎄🎅⛄",
        en_body=EN_BODY,
    )
    assert len(found(project)) >= 4
    project.write(
        "config/publisher.toml",
        BASE_CONFIG + "[accessibility]\nhashtag_case = false\nemoji = false\nhashtag_position = false\nlinks = false\n"
        "capitals = false\nalt_text = false\n",
    )
    assert found(project) == []
    project.write("config/publisher.toml", BASE_CONFIG + "[accessibility]\ncolour = true\n")
    with pytest.raises(ConfigError, match=r"unknown key 'accessibility\.colour'"):
        project.config()


# -- link-language -----------------------------------------------------------------------------------

LINKS = """
[links]
prefixes = [{cy = "https://www.powys.gov.uk/cy/", en = "https://www.powys.gov.uk/en/"}]
pages = [{cy = "https://www.llyw.cymru/graeanu", en = "https://www.gov.wales/gritting"}]
bilingual = ["https://forms.powys.gov.uk/"]
"""


def test_welsh_post_linking_to_the_english_page_names_the_welsh_page(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + LINKS)
    project.post(
        cy_body=CY_BODY + "\n\nMwy: https://www.powys.gov.uk/en/libraries",
        en_body=EN_BODY + "\n\nMore: https://www.powys.gov.uk/en/libraries",
    )
    [finding] = found(project, "link-language")
    assert finding.severity == "error" and finding.file == "content/post.cy.md" and finding.line == 8
    assert "is the English page" in finding.message
    assert "https://www.powys.gov.uk/cy/libraries" in finding.message
    project.post(
        cy_body=CY_BODY + " https://www.gov.wales/gritting",
        en_body=EN_BODY + " https://www.llyw.cymru/graeanu",
    )
    messages = {f.file: f.message for f in found(project, "link-language")}
    assert "https://www.llyw.cymru/graeanu" in messages["content/post.cy.md"]
    assert "https://www.gov.wales/gritting" in messages["content/post.en.md"]


def test_the_right_pages_and_bilingual_pages_are_fine(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + LINKS)
    project.post(
        cy_body=CY_BODY + " https://www.powys.gov.uk/cy/llyfrgelloedd https://forms.powys.gov.uk/report",
        en_body=EN_BODY + " https://www.powys.gov.uk/en/libraries https://forms.powys.gov.uk/report",
    )
    assert found(project, "link-language") == []


def test_the_same_url_in_both_files_is_a_warning(project: Project) -> None:
    project.post(
        cy_body=CY_BODY + " https://www.example.gov.uk/news",
        en_body=EN_BODY + " https://www.example.gov.uk/news",
    )
    [finding] = found(project, "link-language")
    assert finding.severity == "warning" and "linked from both" in finding.message and "bilingual" in finding.message


def test_utm_content_tags_each_language_s_links(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + LINKS + "utm_content = true\n")
    project.post(
        cy_body=CY_BODY + " https://www.powys.gov.uk/cy/llyfrgelloedd?a=1 https://partner.example.org/x",
        en_body=EN_BODY + " https://www.powys.gov.uk/en/libraries",
    )
    texts = [m["text"] for a in preview(project.config(), "post")["accounts"] for m in a["messages"]]
    [combined] = texts
    assert "https://www.powys.gov.uk/cy/llyfrgelloedd?a=1&utm_content=cy" in combined
    assert "https://www.powys.gov.uk/en/libraries?utm_content=en" in combined
    assert "https://partner.example.org/x" in combined and "x?utm" not in combined, "other sites are not tagged"
    assert found(project, "link-language") == []


def test_a_link_that_cannot_be_split_is_an_unknown_page_not_a_crash(project: Project) -> None:
    """A link such as "http://[x" (a broken IPv6 host) made urlsplit raise in link-language and tagging: a traceback."""
    project.write("config/publisher.toml", BASE_CONFIG + LINKS + "utm_content = true\n")
    project.post(cy_body=CY_BODY + " http://[x/newyddion", en_body=EN_BODY + " http://[x/news")
    assert found(project, "link-language") == []
    texts = [m["text"] for a in preview(project.config(), "post")["accounts"] for m in a["messages"]]
    assert all("http://[x/" in text and "utm_content" not in text for text in texts)


def test_links_config_is_validated(project: Project) -> None:
    project.write("config/publisher.toml", BASE_CONFIG + '[links]\npages = [{cy = "llyw.cymru/x"}]\n')
    with pytest.raises(ConfigError, match=r"links.pages\[0\]"):
        project.config()
    project.write("config/publisher.toml", BASE_CONFIG + '[links]\nbilingual = ["ftp://x"]\n')
    with pytest.raises(ConfigError, match="web address"):
        project.config()
