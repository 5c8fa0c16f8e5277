"""The command line as a whole: fast help, exit codes."""

from __future__ import annotations

import subprocess
import sys


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; sys.argv = ['publisher', '--help']\n"
        "from publisher.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('lingua', 'tweepy', 'twitter_text', 'markdown_it', 'sqlalchemy', 'atproto', "
        "'mastodon', 'apscheduler', 'rich', 'jinja2', 'babel', 'requests', 'PIL', 'tesserocr', 'emoji') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
    assert "check" in result.stdout and "run" in result.stdout
