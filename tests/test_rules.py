"""One test (at least) per rule code: a fixture that must produce it, and true negatives.

Each failing fixture asserts the code, the file, the line and that the
message says how to fix the problem; each would pass if its rule were removed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from publisher.findings import Finding

from conftest import CY_BODY, CY_FRONT, EN_BODY, NOW, Project
from pictures import animated_gif, noisy_photo, plain, transparent_png

JPEG = plain((400, 300), "JPEG")  # a real (tiny) image: check opens every image
PNG = plain((400, 300), "PNG")
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"


def only(project: Project, code: str) -> list[Finding]:
    return [f for f in project.check().findings if f.code == code]


def media_front(
    file: str = "photo.jpg",
    alt: str = "Plant yn chwarae pêl-droed ar gae'r ysgol.",
    consent: str | None = "not-required",
    rights: str | None = "own",
    accounts: str = "[local]",
) -> str:
    lines = [f"  - file: {file}", f"    alt: {alt}"]
    if consent is not None:
        lines.append(f"    consent: {consent}")
    if rights is not None:
        lines.append(f"    rights: {rights}")
    return f"publish_at: 2027-01-12T10:00\naccounts: {accounts}\nmedia:\n" + "\n".join(lines) + "\n" + REVIEWED


def en_media(file: str = "photo.jpg", alt: str = "Children playing football on the school field.") -> str:
    return f"media:\n  - file: {file}\n    alt: {alt}\n"


# -- pair-missing / pair-mismatch -------------------------------------------------


def test_pair_missing_names_the_missing_partner(project: Project) -> None:
    _cy, en = project.post()
    en.unlink()
    [finding] = only(project, "pair-missing")
    assert finding.file == "content/post.cy.md" and finding.line == 1
    assert "post.en.md" in finding.message


def test_pair_mismatch_on_a_shared_key(project: Project) -> None:
    project.post(en_front="publish_at: 2027-01-13T10:00\n")
    [finding] = only(project, "pair-mismatch")
    assert finding.file == "content/post.cy.md" and finding.line == 2
    assert "publish_at" in finding.message and "post.en.md:2" in finding.message


def test_pair_mismatch_on_media_file_count_and_presence(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.write("content/other.jpg", JPEG)
    project.post(cy_front=media_front(), en_front=en_media("other.jpg"))
    assert [f.message.split("'")[1] for f in only(project, "pair-mismatch")] == ["file"]
    project.post(cy_front=media_front(), en_front="")
    [presence] = only(project, "pair-mismatch")
    assert "listed here but not in" in presence.message


def test_equal_shared_keys_in_both_files_are_fine(project: Project) -> None:
    project.post(en_front="publish_at: 2027-01-12T10:00\naccounts: [local]\n")
    assert only(project, "pair-mismatch") == []


# -- front-matter-invalid -------------------------------------------------------------


def test_unknown_key_suggests_the_right_one(project: Project) -> None:
    project.post(cy_front=CY_FRONT + "acounts: [local]\n")
    [finding] = only(project, "front-matter-invalid")
    assert finding.line == 5 and "did you mean 'accounts'" in finding.message


def test_wrong_types_are_reported_per_key(project: Project) -> None:
    project.post(en_front="accounts: 5\nthread: maybe\nqueue_order: first\n")
    messages = [f.message for f in only(project, "front-matter-invalid")]
    assert any("'accounts' must be a non-empty list" in m for m in messages)
    assert any("'thread' must be true or false" in m for m in messages)
    assert any("'queue_order' must be a number" in m for m in messages)


def test_missing_required_keys(project: Project) -> None:
    project.post(cy_front=REVIEWED)
    messages = " ".join(f.message for f in only(project, "front-matter-invalid"))
    assert "missing required key 'accounts'" in messages and "missing 'publish_at'" in messages


def test_publish_at_and_schedule_together(project: Project) -> None:
    project.write("schedules/weekly.yaml", 'name: weekly\nslots:\n  - {days: [tue], at: "10:00"}\n')
    project.post(cy_front=CY_FRONT + "schedule: weekly\n")
    [finding] = only(project, "front-matter-invalid")
    assert "either 'publish_at' or 'schedule'" in finding.message and finding.line == 5


def test_duplicate_ids_are_reported_on_both_posts(project: Project) -> None:
    project.post("a", cy_front=CY_FRONT + "id: same\n")
    project.post("b", cy_front=CY_FRONT + "id: same\n")
    findings = only(project, "front-matter-invalid")
    assert sorted(f.file for f in findings) == ["content/a.cy.md", "content/b.cy.md"]
    assert all("also used by" in f.message for f in findings)


def test_empty_body_and_translation_in_the_english_file(project: Project) -> None:
    project.post(en_front=REVIEWED, en_body="")
    messages = [f.message for f in only(project, "front-matter-invalid")]
    assert any("belongs in the Welsh (.cy.md) file" in m for m in messages)
    assert any("the body is empty" in m for m in messages)


# -- language-mismatch / language-mixed ------------------------------------------------


def test_swapped_files_are_a_language_mismatch(project: Project) -> None:
    project.post(cy_body=EN_BODY, en_body=CY_BODY)
    findings = only(project, "language-mismatch")
    assert {f.file for f in findings} == {"content/post.cy.md", "content/post.en.md"}
    assert sorted(f.line for f in findings) == [3, 6]  # the first body line of each file
    assert "swapped" in findings[0].message


def test_same_english_text_in_both_files(project: Project) -> None:
    project.post(cy_body=EN_BODY)
    [finding] = only(project, "language-mismatch")
    assert finding.file == "content/post.cy.md" and "identical" in finding.message


def test_welsh_with_english_names_urls_and_hashtags_is_welsh(project: Project) -> None:
    body = (
        "Mae Parc Cenedlaethol Brecon Beacons ar agor eto heddiw ar ôl y storm. "
        "Diolch i staff Powys County Council am eu gwaith caled. "
        "https://www.example.gov.uk/news/brecon-beacons-open #BreconBeacons #StormDarragh @PowysCC"
    )
    project.post(cy_body=body)
    assert only(project, "language-mismatch") == []


def test_a_single_word_is_not_an_error(project: Project) -> None:
    project.post(cy_body="Diolch!", en_body="Thanks!")
    assert only(project, "language-mismatch") == []


def test_english_run_inside_welsh_is_mixed(project: Project) -> None:
    body = (
        "Bydd y llyfrgell ar gau ddydd Llun. Please contact the customer services team for help. "
        "Diolch am eich amynedd."
    )
    project.post(cy_body=body)
    [finding] = only(project, "language-mixed")
    assert finding.severity == "warning" and finding.file == "content/post.cy.md"
    assert "customer services" in finding.message


def test_proper_names_in_the_wordbank_are_not_mixing(project: Project) -> None:
    body = "Bydd gwasanaeth bws newydd yn rhedeg o Llandrindod Wells Railway Station bob awr o ddydd Llun ymlaen."
    project.post(cy_body=body)
    project.write("config/wordbank.yaml", "names: [Llandrindod Wells Railway Station]\n")
    assert only(project, "language-mixed") == []


# -- media rules --------------------------------------------------------------------------


def test_alt_missing_in_one_language(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(), en_front="media:\n  - file: photo.jpg\n")
    [finding] = only(project, "alt-missing")
    assert finding.file == "content/post.en.md" and finding.line == 3 and "English alt text" in finding.message


def test_alt_equal_to_file_name_or_same_in_both(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(alt="photo.jpg"), en_front=en_media())
    assert "just the file name" in only(project, "alt-missing")[0].message
    project.post(cy_front=media_front(alt="Children playing football on the school field."), en_front=en_media())
    assert "same as the English" in only(project, "alt-missing")[0].message


def test_consent_missing(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(consent=None), en_front=en_media())
    [finding] = only(project, "consent-missing")
    assert finding.line == 5 and "not-required" in finding.message


def test_consent_in_either_file_is_enough(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(consent=None), en_front=en_media() + "    consent: not-required\n")
    assert only(project, "consent-missing") == []


def test_consent_invalid_unknown_expired_withdrawn(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.write(
        "config/consent.csv",
        "reference,subject,expires_on,withdrawn_on\nOLD,A,2026-12-31,\nGONE,B,2030-01-01,2026-10-01\nOK,C,2030-01-01,\n",
    )
    for reference, expected in (
        ("NOPE", "not in the consent register"),
        ("OLD", "expires on 2026-12-31"),
        ("GONE", "withdrawn on 2026-10-01"),
    ):
        project.post(cy_front=media_front(consent=reference), en_front=en_media())
        [finding] = only(project, "consent-invalid")
        assert expected in finding.message and finding.line == 7
    project.post(cy_front=media_front(consent="OK"), en_front=en_media())
    assert only(project, "consent-invalid") == []


def test_missing_register_fails_references_but_not_not_required(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(consent="PCF-1"), en_front=en_media())
    assert len(only(project, "consent-invalid")) == 1
    project.post(cy_front=media_front(consent="not-required"), en_front=en_media())
    assert only(project, "consent-invalid") == []


def test_rights_missing(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(rights=None), en_front=en_media())
    [finding] = only(project, "rights-missing")
    assert finding.line == 5 and "rights: own" in finding.message


def test_media_missing_cases(project: Project) -> None:
    project.write("content/fake.jpg", b"not really an image")
    project.write("outside.jpg", JPEG)
    (project.content / "link.jpg").symlink_to(project.root / "outside.jpg")
    cases = {
        "absent.jpg": "does not exist",
        "fake.jpg": "not a JPEG, PNG, GIF or WebP",
        "../../etc/passwd": "outside the content folder",
        "/etc/passwd": "outside the content folder",
        "../outside.jpg": "outside the content folder",
        "link.jpg": "outside the content folder",
    }
    for name, expected in cases.items():
        project.post(cy_front=media_front(file=name), en_front=en_media(file=name))
        [finding] = only(project, "media-missing")
        assert expected in finding.message, name
        assert finding.line == 5


def test_platform_image_rules_convert_what_is_safe_and_report_the_rest(project: Project) -> None:
    project.write("content/pic.png", PNG)
    project.post(cy_front=media_front(file="pic.png", accounts="[powys-instagram]"), en_front=en_media(file="pic.png"))
    assert only(project, "image-unfit") == [], "a PNG is converted to JPEG for Instagram at upload"
    assert only(project, "media-missing") == []
    project.write("content/logo.png", transparent_png(size=(400, 400)))
    project.post(
        cy_front=media_front(file="logo.png", accounts="[powys-instagram]"), en_front=en_media(file="logo.png")
    )
    [finding] = only(project, "image-unfit")
    assert (
        finding.line == 5 and "with transparency" in finding.message and "Instagram takes only JPEG" in finding.message
    )
    project.write("content/big.jpg", noisy_photo((1600, 1200)))
    project.post(cy_front=media_front(file="big.jpg", accounts="[powys-bluesky]"), en_front=en_media(file="big.jpg"))
    assert only(project, "image-unfit") == [], "an oversized JPEG is re-encoded for Bluesky at upload"
    project.write("content/wave.gif", animated_gif())
    project.post(cy_front=media_front(file="wave.gif", accounts="[powys-bluesky]"), en_front=en_media(file="wave.gif"))
    assert "Bluesky takes only still images" in only(project, "image-unfit")[0].message
    project.post(cy_front=media_front(file="wave.gif", accounts="[powys-mastodon]"), en_front=en_media(file="wave.gif"))
    assert only(project, "image-unfit") == []


def test_image_unfit_aspect_ratio_count_and_alt_text_limits(project: Project) -> None:
    project.write("content/banner.jpg", plain((1500, 500)))
    project.post(
        cy_front=media_front(file="banner.jpg", accounts="[powys-instagram]"), en_front=en_media(file="banner.jpg")
    )
    [ratio] = only(project, "image-unfit")
    assert "aspect ratio 3.00:1" in ratio.message and "crop it" in ratio.message
    for number in range(5):
        project.write(f"content/p{number}.jpg", plain((400 + number, 300)))
    items = "".join(
        f"  - {{file: p{n}.jpg, alt: Llun rhif {n} o'r sioe., consent: not-required, rights: own}}\n" for n in range(5)
    )
    en_items = "".join(f"  - {{file: p{n}.jpg, alt: Picture number {n} of the show.}}\n" for n in range(5))
    project.post(
        cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [powys-x]\nmedia:\n{items}{REVIEWED}",
        en_front=f"media:\n{en_items}",
    )
    messages = [f.message for f in only(project, "image-unfit")]
    assert len(messages) == 2 and all("5 images; X takes at most 4" in m for m in messages)
    long_alt = "Lori graeanu felen ar ffordd wledig dan eira. " * 25
    project.post(cy_front=media_front(alt=long_alt.strip(), accounts="[powys-x]"), en_front=en_media())
    project.write("content/photo.jpg", JPEG)
    [alt] = only(project, "image-unfit")
    assert alt.file == "content/post.cy.md" and "X takes at most 1000" in alt.message


# -- translation-unreviewed -----------------------------------------------------------------


def test_translation_unreviewed(project: Project) -> None:
    for front, expected in (
        ("publish_at: 2027-01-12T10:00\naccounts: [local]\n", "not marked reviewed"),
        (CY_FRONT.replace("reviewed: true", "reviewed: false"), "not reviewed yet"),
        ("publish_at: 2027-01-12T10:00\naccounts: [local]\ntranslation: {reviewed: true}\n", "names no reviewer"),
    ):
        project.post(cy_front=front)
        [finding] = only(project, "translation-unreviewed")
        assert expected in finding.message and finding.file == "content/post.cy.md"


# -- too-long -----------------------------------------------------------------------------


def test_combined_too_long_for_x_but_separate_fits(project: Project) -> None:
    cy = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol yn yr adeilad. " * 2
    en = "The library will be closed on Monday because of electrical work in the building. " * 2
    project.post(cy_front=CY_FRONT.replace("[local]", "[powys-x-combined]"), cy_body=cy, en_body=en)
    [finding] = only(project, "too-long")
    assert "limit is 280" in finding.message and finding.line == 6
    project.post(cy_front=CY_FRONT.replace("[local]", "[powys-x]"), cy_body=cy, en_body=en)
    assert only(project, "too-long") == []


def test_allow_split_makes_combined_fall_back_to_separate(project: Project) -> None:
    project.write(
        "config/publisher.toml",
        project.config_path.read_text().replace(
            '[accounts.powys-x-combined]\nplatform = "x"\nstrategy = "combined"',
            '[accounts.powys-x-combined]\nplatform = "x"\nstrategy = "combined"\nallow_split = true',
        ),
    )
    cy = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol yn yr adeilad. " * 2
    en = "The library will be closed on Monday because of electrical work in the building. " * 2
    project.post(cy_front=CY_FRONT.replace("[local]", "[powys-x-combined]"), cy_body=cy, en_body=en)
    assert only(project, "too-long") == []


def test_x_counts_urls_as_23(project: Project) -> None:
    url = "https://www.example.gov.uk/" + "a" * 200
    cy = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. " + url
    en = "The library will be closed on Monday because of electrical work. " + url
    project.post(cy_front=CY_FRONT.replace("[local]", "[powys-x]"), cy_body=cy, en_body=en)
    assert only(project, "too-long") == []


def test_instagram_hashtag_limit(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    tags = " #un #dau #tri #pedwar #pump #chwech"
    project.post(
        cy_front=media_front(accounts="[powys-instagram]"),
        en_front=en_media(),
        cy_body=CY_BODY + tags,
        en_body=EN_BODY + tags,
    )
    assert any("at most 5" in f.message for f in only(project, "too-long"))


def test_threads_takes_at_most_five_links_and_counts_emoji_as_bytes(project: Project) -> None:
    project.write(
        "config/publisher.toml",
        project.config_path.read_text() + '[accounts.powys-threads]\nplatform = "threads"\ncredentials_env = "T"\n',
    )
    links = " ".join(f"https://www.example.gov.uk/{n}" for n in range(6))
    front = CY_FRONT.replace("[local]", "[powys-threads]")
    project.post(cy_front=front, cy_body=f"{CY_BODY} {links}", en_body=f"{EN_BODY} {links}")
    assert [f.message for f in only(project, "too-long") if "at most 5" in f.message and "6 links" in f.message]
    emoji = "🎉" * 120  # 120 characters, 480 as Threads counts them
    project.post(cy_front=front, cy_body=f"{CY_BODY} {emoji}", en_body=EN_BODY)
    [finding] = only(project, "too-long")
    assert "threads counts it; the limit is 500" in finding.message


def test_instagram_has_no_text_only_posts(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[powys-instagram]"))
    [finding] = only(project, "media-missing")
    assert "Instagram has no text-only posts" in finding.message and finding.line == 3


# -- schedule-invalid ------------------------------------------------------------------------


def test_nonexistent_and_ambiguous_local_times(project: Project) -> None:
    for when, expected in (
        ("2027-03-28T01:30", "does not exist"),
        ("2026-10-25T01:30", "happens twice"),
        ("next tuesday", "not an ISO 8601"),
    ):
        project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", when))
        [finding] = only(project, "schedule-invalid")
        assert expected in finding.message and finding.line == 2, when
    project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", "2027-10-31T01:30"))
    assert "happens twice" in only(project, "schedule-invalid")[0].message
    for when in ("2027-03-28T01:30+00:00", "2027-10-31T01:30+01:00", "2027-10-31T01:30+00:00"):
        project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", when))
        assert only(project, "schedule-invalid") == [], when


def test_max_lateness_boundary(project: Project) -> None:
    two_hours_ago = (NOW - timedelta(hours=2)).isoformat()
    project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", two_hours_ago))
    assert only(project, "schedule-invalid") == []
    seven_hours_ago = (NOW - timedelta(hours=7)).isoformat()
    project.post(cy_front=CY_FRONT.replace("2027-01-12T10:00", seven_hours_ago))
    [finding] = only(project, "schedule-invalid")
    assert "more than max_lateness" in finding.message


def test_unknown_schedule_name(project: Project) -> None:
    project.write(
        "schedules/weekly-news.yaml", 'name: weekly-news\naccounts: [local]\nslots:\n  - {days: [tue], at: "10:00"}\n'
    )
    project.post(cy_front=CY_FRONT.replace("publish_at: 2027-01-12T10:00", "schedule: weekly-nwes"))
    [finding] = only(project, "schedule-invalid")
    assert "did you mean 'weekly-news'" in finding.message
    project.post(cy_front=CY_FRONT.replace("publish_at: 2027-01-12T10:00", "schedule: weekly-news"))
    assert only(project, "schedule-invalid") == []
    assert [f.file for f in only(project, "schedule-empty")] == ["schedules/weekly-news.yaml"], "one post for two slots"


# -- account-unknown, welsh-parity, personal-data ----------------------------------------------


def test_account_unknown_with_suggestion(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[local, powys-facebok]"))
    [finding] = only(project, "account-unknown")
    assert finding.line == 3 and "did you mean 'powys-facebook'" in finding.message


def test_welsh_parity_links_hashtags_length(project: Project) -> None:
    project.post(
        cy_body="Bydd y llyfrgell ar gau ddydd Llun.",
        en_body=EN_BODY
        + " More at https://www.example.gov.uk/libraries #Libraries #Powys"
        + " and on the noticeboard in the library foyer.",
    )
    messages = [f.message for f in only(project, "welsh-parity")]
    assert any("0 links, the English 1" in m for m in messages)
    assert any("0 hashtags, the English 2" in m for m in messages)
    assert any("under half the length" in m for m in messages)
    project.post()
    assert only(project, "welsh-parity") == []


def test_personal_data(project: Project) -> None:
    body = (
        CY_BODY
        + " Ffoniwch Siân ar 07700 900123 neu e-bostiwch sian.jones@gmail.com."
        + " Mae hi'n byw yn 12 Heol y Bont, Llandrindod LD1 5LG."
    )
    project.post(cy_body=body)
    messages = " ".join(f.message for f in only(project, "personal-data"))
    assert "mobile phone number" in messages and "personal e-mail" in messages and "home address" in messages
    ok = CY_BODY + " Ffoniwch 01597 826000 neu e-bostiwch ymholiadau@powys.gov.uk. Mae'r swyddfa yn LD1 5LG."
    project.post(cy_body=ok)
    assert only(project, "personal-data") == []


def test_valid_post_has_no_findings_at_all(project: Project) -> None:
    project.write("content/photo.jpg", JPEG)
    project.post(cy_front=media_front(), en_front=en_media())
    assert project.check().findings == []


def test_clean_example_content(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The shipped example project passes with no errors and no warnings."""
    from pathlib import Path

    from publisher.config import load_config
    from publisher.services.validation import check_content

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    result = check_content(
        load_config(root / "config" / "publisher.toml"),
        now=datetime(2026, 11, 25, tzinfo=UTC),
        use_cache=False,
    )
    assert result.findings == []
    assert result.posts >= 4


def test_every_rule_code_has_its_row_in_the_rule_table() -> None:
    """docs/content.md "Rule codes" is where an editor looks a code up: each code the rules give is there."""
    from publisher import rules
    from publisher.emergency.correction_check import LINK_RULE

    table = (Path(__file__).parents[1] / "docs" / "content.md").read_text()
    codes = {module.RULE.code for module in rules.ALL} | {LINK_RULE.code}
    missing = sorted(code for code in codes if f"| `{code}` |" not in table)
    assert missing == [], f"add a row to docs/content.md for: {', '.join(missing)}"
