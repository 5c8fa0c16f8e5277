"""Schedules in ``schedules/`` (schedules.md): named posting rhythms posts can refer to."""

from __future__ import annotations

from pathlib import Path

import yaml


def schedule_names(directory: Path) -> frozenset[str]:
    """Names of the schedules defined in ``directory`` (the ``name`` key, else the file stem).

    An unreadable schedule file still defines its file-stem name, so posts
    naming it are not also reported as pointing at an unknown schedule.
    """
    names = set()
    if not directory.is_dir():
        return frozenset()
    for path in sorted(directory.glob("*.y*ml")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        name = path.stem
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                name = data["name"]
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            pass
        names.add(name)
    return frozenset(names)
