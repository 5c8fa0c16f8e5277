"""``publisher check`` through the real CLI: output formats, exit codes, hostile input, config errors."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.cli import cli
from publisher.rules import BY_CODE

from conftest import CY_BODY, CY_FRONT, Project


def run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args], cwd=project.root, capture_output=True, text=True, timeout=120
    )


def test_json_output_has_exactly_the_documented_shape(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    result = run(project, "check", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert set(data) == {"findings", "posts", "errors", "warnings"}
    assert data["posts"] == 1 and data["errors"] == 1 and data["warnings"] == 0
    [finding] = data["findings"]
    assert set(finding) == {"code", "severity", "file", "line", "post", "message"}
    assert finding["code"] == "account-unknown" and finding["file"] == "content/post.cy.md" and finding["line"] == 3


def test_github_annotations(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    result = run(project, "check", "--format", "github")
    assert result.stdout.splitlines()[0].startswith(
        "::error file=content/post.cy.md,line=3::account-unknown account 'nope'"
    )


def test_text_output_groups_by_post_with_fix_hints(project: Project) -> None:
    project.post(cy_front=CY_FRONT.replace("[local]", "[nope]"))
    result = run(project, "check")
    lines = result.stdout.splitlines()
    assert lines[0] == "post"
    assert lines[1].startswith("  content/post.cy.md:3: error [account-unknown]")
    assert lines[2].strip().startswith("fix: use an account name")
    assert lines[-1] == "1 post checked: 1 error, 0 warnings"


def test_warnings_alone_exit_0_and_clean_exits_0(project: Project) -> None:
    project.post(cy_body=CY_BODY + " Ffoniwch 07700 900123.")
    result = run(project, "check")
    assert result.returncode == 0 and "personal-data" in result.stdout
    project.post()
    assert run(project, "check").returncode == 0


def test_check_given_files_includes_their_partner(project: Project) -> None:
    project.post("a")
    project.post("b", cy_front=CY_FRONT.replace("[local]", "[nope]"))
    assert run(project, "check", "content/a.cy.md").returncode == 0
    result = run(project, "check", "--format", "json", "content/b.en.md")
    assert json.loads(result.stdout)["posts"] == 1 and result.returncode == 1


def test_hostile_files_each_get_a_coded_finding_and_the_rest_is_checked(project: Project) -> None:
    project.post("good")
    bomb = (
        "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\nx\n"
    )
    project.write("content/bomb.cy.md", bomb)
    project.write("content/big.cy.md", "---\n---\n" + "a" * (1024 * 1024 + 1))
    project.write("content/latin1.cy.md", "---\npublish_at: 2027-01-12T10:00\n---\nCaf\xe9 ar agor\n".encode("latin-1"))
    project.write("content/binary.en.md", b"\x00\x01\x02\xff" * 50)
    project.write("content/tabs.cy.md", "---\npublish_at: 2027-01-12T10:00\n\taccounts: [local]\n---\nx\n")
    project.write("content/empty.cy.md", "")
    project.write("content/noclose.cy.md", "---\npublish_at: 2027-01-12T10:00\nBydd y llyfrgell ar gau\n")
    project.write("secret.txt", "top secret")
    (project.content / "escape.cy.md").symlink_to(project.root / "secret.txt")
    result = run(project, "check", "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    by_file = {}
    for finding in data["findings"]:
        by_file.setdefault(finding["file"], []).append(finding)
    expectations = {
        "content/bomb.cy.md": "anchors and aliases",
        "content/big.cy.md": "larger than 1 MiB",
        "content/latin1.cy.md": "not UTF-8",
        "content/binary.en.md": "binary",
        "content/tabs.cy.md": "tab",
        "content/empty.cy.md": "empty",
        "content/noclose.cy.md": "no closing '---'",
        "content/escape.cy.md": "outside the content root",
    }
    for file, text in expectations.items():
        messages = [f["message"] for f in by_file[file] if f["code"] == "front-matter-invalid"]
        assert any(text in m for m in messages), (file, by_file[file])
    assert [f for f in data["findings"] if f["post"] == "good"] == []
    assert data["posts"] == 9
    latin1 = next(f for f in by_file["content/latin1.cy.md"] if f["code"] == "front-matter-invalid")
    assert latin1["line"] == 4, "the line of the first bad byte"
    assert "top secret" not in result.stdout


def test_bom_and_crlf_are_accepted(project: Project) -> None:
    cy, en = project.post()
    cy.write_bytes(b"\xef\xbb\xbf" + cy.read_bytes().replace(b"\n", b"\r\n"))
    en.write_bytes(en.read_bytes().replace(b"\n", b"\r\n"))
    assert project.check().findings == []


def test_text_is_normalised_to_nfc(project: Project) -> None:
    decomposed = unicodedata.normalize("NFD", "Mae'r ŵyl yn dechrau ddydd Sadwrn yn y dŵr a'r tŷ.")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    project.post(cy_body=decomposed)
    from publisher.content.discovery import find_files, pair, read_file

    files = find_files(project.content)
    [post] = pair([read_file(f) for f in files], {f.path: f.slug for f in files})
    assert post.text("cy") == unicodedata.normalize("NFC", decomposed)
    assert "ŵ" in post.text("cy")


FRONT_VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(
        st.sampled_from(["file", "alt", "consent", "rights", "reviewed", "x"]),
        st.one_of(st.text(max_size=10), st.booleans()),
        max_size=4,
    ),
)
FRONT_KEYS = st.sampled_from(
    ["publish_at", "schedule", "accounts", "media", "translation", "queue_order", "id", "thread", "unknown", "med ia"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    front=st.dictionaries(FRONT_KEYS, FRONT_VALUES, max_size=6),
    raw_yaml=st.text(max_size=120),
    body=st.text(max_size=300),
    use_raw=st.booleans(),
)
def test_random_front_matter_and_bodies_only_produce_coded_findings(
    project: Project, front: dict, raw_yaml: str, body: str, use_raw: bool
) -> None:
    import yaml

    text = raw_yaml if use_raw else yaml.safe_dump(front, allow_unicode=True)
    project.write("content/r.cy.md", f"---\n{text}\n---\n{body}\n")
    project.write("content/r.en.md", f"---\n---\n{body[::-1]}\n")
    result = project.check()
    for finding in result.findings:
        assert finding.code in BY_CODE
        assert finding.line >= 1 and finding.file.startswith("content/")


def test_cli_runner_reports_bad_path_as_usage_error(project: Project) -> None:
    result = CliRunner().invoke(cli, ["check", "no/such/path"])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_a_terminal_sees_a_progress_bar_and_pipes_see_none(project: Project) -> None:
    """A cold check of many posts draws a bar on a terminal's stderr; piped output stays clean."""
    import os
    import pty

    for index in range(60):
        project.post(f"p{index}")
    piped = run(project, "check", "--no-cache")
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout == "60 posts checked: 0 errors, 0 warnings\n"

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "check", "--no-cache", "--format", "json"],
            cwd=project.root,
            stdout=subprocess.PIPE,
            stderr=slave,
        )
        os.close(slave)
        terminal = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            terminal += chunk
        stdout, _ = proc.communicate(timeout=120)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"Checking posts" in terminal and b"60/60" in terminal
    assert json.loads(stdout)["posts"] == 60, "the bar never reaches stdout"
