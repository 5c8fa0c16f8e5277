"""Run the ``git`` program: bounded output, a timeout, never a prompt, never a shell (docs/configuration.md "content").

The content repository is where editors' work lives; git itself reads it,
so what the publisher sees is exactly what git sees. Every call is an
argument list (no shell string), with ``GIT_TERMINAL_PROMPT=0`` and SSH in
batch mode, so a daemon never hangs waiting for a password: credentials
come only from the environment or git's own credential helpers. What git
prints is read up to a limit, and a call that takes too long is killed.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import tempfile
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

from publisher.files import MIB
from publisher.i18n import _
from publisher.redaction import KNOWN, printable

MAX_OUTPUT = 64 * MIB
_USERINFO = re.compile(r"://([^/@\s:]+):[^/@\s]+@")
DEFAULT_TIMEOUT = 60.0


class GitError(Exception):
    """git failed, or is missing, or took too long; the message says which, scrubbed of secrets."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # never ask for a password: fail instead
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    env["LC_ALL"] = "C"  # messages as git writes them, whatever the locale
    return env


def _message(args: Sequence[str], stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    lines = [line.removeprefix("fatal: ").removeprefix("error: ") for line in text.splitlines() if line.strip()]
    detail = "; ".join(lines[-3:]) if lines else "no message"
    detail = _USERINFO.sub(r"://\1:***@", detail)  # a password in a URL git repeats back
    return KNOWN.scrub(printable(f"git {args[0] if args else ''}: {detail}"))


def _read(process: subprocess.Popen[bytes], deadline: float, limit: int, name: str) -> Iterator[bytes]:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GitError(_("git %(command)s took too long and was stopped") % {"command": name})
        if not selector.select(remaining):
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            message = _("git %(command)s printed more than %(size)d MiB; stopped")
            raise GitError(message % {"command": name, "size": limit // MIB})
        yield chunk


def stream(
    args: Sequence[str], cwd: Path, timeout: float = DEFAULT_TIMEOUT, limit: int = MAX_OUTPUT
) -> Generator[bytes, None, None]:
    """What ``git ARGS`` prints, chunk by chunk; closing the iterator early stops git."""
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=_environment(),
            )
        except FileNotFoundError:
            raise GitError(_("git is not installed (apt-get install git)")) from None
        finished = False
        try:
            yield from _read(process, deadline, limit, args[0] if args else "")
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
            finished = True
        except subprocess.TimeoutExpired:
            raise GitError(_("git %(command)s took too long and was stopped") % {"command": args[0]}) from None
        finally:
            if not finished:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if process.returncode != 0:
            errors.seek(0)
            raise GitError(_message(args, errors.read(16384)))


def run(args: Sequence[str], cwd: Path, timeout: float = DEFAULT_TIMEOUT, limit: int = MAX_OUTPUT) -> str:
    """What ``git ARGS`` prints (UTF-8), or GitError."""
    return b"".join(stream(args, cwd, timeout, limit)).decode("utf-8", "replace")


def toplevel(folder: Path) -> Path | None:
    """The top of the git work tree ``folder`` is in, or None when it is in none (or git is missing)."""
    probe = folder
    while not probe.is_dir():
        if probe.parent == probe:
            return None
        probe = probe.parent
    try:
        top = run(["rev-parse", "--show-toplevel"], probe, timeout=20).strip()
    except GitError:
        return None
    return Path(top) if top else None
