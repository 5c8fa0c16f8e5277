"""The README's walk, run as written: ``publisher init``, a first post committed, the daemon following the
repository publishes it (Welsh first, to the outbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## From nothing to a first post"


def _walk() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(HEADING) :]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_walks_from_init_to_a_first_post_published_by_the_daemon(tmp_path: Path) -> None:
    script = _walk()
    assert script.startswith("publisher init") and "repository =" in script and "publisher run --once" in script
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path)  # no personal git configuration
    env.update(
        {
            "GIT_AUTHOR_NAME": "Ann Editor",
            "GIT_AUTHOR_EMAIL": "ann.editor@example.gov.uk",
            "GIT_COMMITTER_NAME": "Ann Editor",
            "GIT_COMMITTER_EMAIL": "ann.editor@example.gov.uk",
        }
    )
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 post checked: 0 errors, 0 warnings" in result.stdout  # the starter repository, as written
    assert "schedule-late" in result.stdout  # the first post is due now: check says it goes at once
    sent = [json.loads(p.read_text()) for p in sorted((tmp_path / "server" / "outbox").glob("*.json"))]
    assert [(m["language"], m["text"].split("!")[0]) for m in sent] == [("cy+en", "Helo")]
    assert sent[0]["text"].index("Helo") < sent[0]["text"].index("Hello"), "Welsh first"
    status = subprocess.run(
        [sys.executable, "-m", "publisher", "status", "--format", "json"],
        cwd=tmp_path / "server",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    posts = {p["id"]: p for p in json.loads(status.stdout)["posts"]}
    first = posts["first/hello"]
    assert [d["state"] for d in first["deliveries"]] == ["published"]
    assert first["author"] == "Ann Editor <ann.editor@example.gov.uk>" and first["reviewer"] == "Gwenllian Morgan"
    example = next(p for p in posts.values() if p["id"].endswith("/welcome"))
    assert [d["state"] for d in example["deliveries"]] == ["queued"], "the example is four weeks away"
