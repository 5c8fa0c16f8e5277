"""``publisher init [DIR]``: a content repository that works from the first commit (docs/commands.md "init").

It writes a configuration with every key explained (an outbox account set,
the rest commented), an empty consent register, the starter Welsh word bank
with its emergency templates, one example pair dated four weeks ahead (so
it passes ``check`` and goes only to the outbox), ``.gitignore``, a
pre-commit hook and a CI workflow. Nothing that exists is overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from string import Template

from publisher.i18n import _

HERE = Path(__file__).resolve().parent
EXAMPLE_AHEAD = timedelta(days=28)
EXAMPLE_TIME = "10:00"
PLACEHOLDER_PACKAGE = "publisher @ git+https://git.example.gov.uk/comms/publisher.git@v0.1.0"


class TargetNotEmpty(FileExistsError):
    """``init`` would overwrite files; the message names them."""


@dataclass(frozen=True)
class Written:
    """What ``init`` wrote, and whether the CI workflow still needs the package's address."""

    root: Path
    files: list[Path]
    example: str  # the example post's id
    package_known: bool


def install_spec() -> tuple[str, bool]:
    """How CI installs this publisher: as it was installed here when that can be repeated, else a placeholder."""
    try:
        distribution = metadata.distribution("publisher")
    except metadata.PackageNotFoundError:
        return PLACEHOLDER_PACKAGE, False
    raw = distribution.read_text("direct_url.json")
    if raw is None:
        return f"publisher=={distribution.version}", True  # from a package index
    info = json.loads(raw)
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and str(info.get("url", "")).startswith("https://"):
        return f"publisher @ git+{info['url']}@{vcs.get('commit_id', '')}", True
    return PLACEHOLDER_PACKAGE, False  # a local folder CI cannot reach


def _files(today: date, package: str) -> dict[str, str]:
    when = today + EXAMPLE_AHEAD
    folder = f"content/{when:%Y}/{when:%m}"
    values = {
        "publish_at": f"{when.isoformat()}T{EXAMPLE_TIME}",
        "reviewed_on": today.isoformat(),
        "package": package,
        "example": f"{when:%Y}/{when:%m}/welcome.cy.md",
    }
    sources = {
        "config/publisher.toml": "publisher.toml",
        "config/consent.csv": "consent.csv",
        "config/wordbank.yaml": "wordbank.yaml",
        f"{folder}/welcome.cy.md": "welcome.cy.md",
        f"{folder}/welcome.en.md": "welcome.en.md",
        ".gitignore": "gitignore",
        ".pre-commit-config.yaml": "pre-commit-config.yaml",
        ".github/workflows/publisher-check.yml": "publisher-check.yml",
        "README.md": "README.md",
    }
    rendered = {}
    for target, source in sources.items():
        text = (HERE / source).read_text(encoding="utf-8")
        rendered[target] = Template(text).substitute(values) if source not in ("wordbank.yaml",) else text
    return rendered


def workflow(package: str = PLACEHOLDER_PACKAGE) -> str:
    """The CI workflow ``init`` writes (docs/commands.md shows it with the placeholder package)."""
    return _files(date(2027, 1, 1), package)[".github/workflows/publisher-check.yml"]


def init_repository(target: Path, today: date) -> Written:
    """Write the starter content repository into ``target``; TargetNotEmpty if any of its files exist."""
    package, known = install_spec()
    files = _files(today, package)
    existing = [name for name in files if (target / name).exists()]
    if existing:
        message = _("%(folder)s already has %(files)s: nothing was written")
        raise TargetNotEmpty(message % {"folder": target, "files": ", ".join(existing)})
    written = []
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (target / "schedules").mkdir(exist_ok=True)
    when = today + EXAMPLE_AHEAD
    return Written(root=target, files=written, example=f"{when:%Y}/{when:%m}/welcome", package_known=known)
