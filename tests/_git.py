"""Real git repositories for the tests: an editor's clone, a bare origin, commits by named authors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHOR = ("Ann Editor", "ann.editor@example.gov.uk")


def git(repo: Path, *args: str, author: tuple[str, str] = AUTHOR) -> str:
    env = dict(os.environ)
    env.update(
        {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    result = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def init(repo: Path, branch: str = "main") -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet", "--initial-branch", branch)
    return repo


def commit_all(repo: Path, message: str, author: tuple[str, str] = AUTHOR) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message, author=author)
    return git(repo, "rev-parse", "HEAD")


def bare_origin(path: Path, branch: str = "main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--bare", "--initial-branch", branch)
    return path
