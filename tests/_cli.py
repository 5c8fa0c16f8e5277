"""Running the real ``publisher`` command in a project folder, and reading what the outbox received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PUBLISHER = [sys.executable, "-m", "publisher"]
REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
CY = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol. Ymddiheurwn am unrhyw anghyfleustra."
EN = "The library will be closed on Monday because of electrical work. We apologise for any inconvenience."


def environment(extra: Mapping[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    for name in drop:
        env.pop(name, None)
    env.update(extra or {})
    return env


def run_cli(
    root: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PUBLISHER, *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(env) if env is not None else environment(),
    )


def status_json(root: Path, *args: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    result = run_cli(root, "status", "--format", "json", *args, env=env)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def outbox(root: Path) -> list[dict[str, Any]]:
    folder = root / "outbox"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def pair(folder: Path, slug: str, front: str, cy: str = CY, en: str = EN) -> None:
    """Write ``slug``.cy.md / .en.md under ``folder`` (``front``: the Welsh file's front matter, without fences).

    Each text ends with ``(slug)``, so what the outbox received can be told apart (:func:`sent`).
    """
    (folder / slug).parent.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.cy.md").write_text(f"---\n{front}---\n{cy} ({slug})\n", encoding="utf-8")
    (folder / f"{slug}.en.md").write_text(f"---\n---\n{en} ({slug})\n", encoding="utf-8")


def sent(root: Path) -> list[tuple[str, str]]:
    """(slug, language) of each message the outbox received, in publishing order."""
    return [(p["text"].rsplit("(", 1)[-1].rstrip(")"), p["language"]) for p in outbox(root)]


def front(when: str, accounts: str = "[local-separate]", reviewed: bool = True) -> str:
    return f"publish_at: {when}\naccounts: {accounts}\n" + (REVIEWED if reviewed else "")
