"""What git knows about the content: which files changed, and who last committed each (docs/commands.md "check").

``check`` holds only new and changed posts to the time rules (a post that
went out last week is history, not an error), so it asks git which files
differ from a reference. The daemon records, for each post it queues, the
commit that last changed the post's files and that commit's author: the
answer to "who published this?".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from publisher.content.git import GitError, run, stream, toplevel
from publisher.i18n import _


@dataclass(frozen=True)
class Commit:
    """A commit as provenance: its id and its author ("Name <email>")."""

    id: str
    author: str
    age: int = 0  # 0 for the newest commit walked, then 1, 2, ...: the smaller, the more recent


class UnknownRef(GitError):
    """The reference given to ``--changed-since`` is not a commit git knows here."""


def _paths(top: Path, output: str) -> set[Path]:
    return {top / name for name in output.split("\0") if name}


def changed_since(folder: Path, ref: str | None) -> set[Path] | None:
    """Files under ``folder``'s work tree that differ from ``ref`` (HEAD when None), untracked ones included.

    None when ``folder`` is not in a git work tree, or (``ref`` None) the
    repository has no commit yet: then nothing can be told apart from new.
    """
    top = toplevel(folder)
    if top is None:
        if ref is not None:
            message = _("--changed-since needs a git repository, and %(folder)s is not in one")
            raise GitError(message % {"folder": folder})
        return None
    if ref is not None and (not ref.strip() or ref.startswith("-")):
        raise UnknownRef(_("'%(ref)s' is not a git reference") % {"ref": ref})
    base = ref if ref is not None else "HEAD"
    try:
        run(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], top, timeout=20)
    except GitError:
        if ref is None:
            return None
        message = _(
            "git does not know '%(ref)s' here (in CI, fetch the history it names: "
            "actions/checkout with fetch-depth: 0, or GIT_DEPTH: 0 on GitLab)"
        )
        raise UnknownRef(message % {"ref": ref}) from None
    changed = _paths(top, run(["diff", "--name-only", "--no-renames", "-z", base, "--"], top))
    changed |= _paths(top, run(["ls-files", "--others", "--exclude-standard", "-z"], top))
    return changed


_SEPARATOR = "\x1e"


def _parse_log(chunks: list[bytes], wanted: set[str], found: dict[str, Commit], walked: list[int]) -> None:
    """Fill ``found`` from ``git log --name-only`` output: each wanted path's newest commit.

    ``walked`` counts the commits read so far (across calls), which gives each its age.
    """
    text = b"".join(chunks).decode("utf-8", "replace")
    for record in text.split(_SEPARATOR)[1:]:
        head, _, names = record.partition("\n")
        commit_id, _, author = head.partition("\x1f")
        for name in names.split("\n"):
            name = name.strip()
            if name in wanted and name not in found:
                found[name] = Commit(id=commit_id.strip(), author=author.strip(), age=walked[0])
        walked[0] += 1


def last_commits(files: list[Path]) -> dict[Path, Commit]:
    """For each file, the newest commit that changed it (files git does not know are left out).

    One walk of the history, stopped as soon as every file is found, so a
    sync of a handful of changed posts reads only the newest commits.
    """
    if not files:
        return {}
    top = toplevel(files[0].parent)
    if top is None:
        return {}
    real_top = top.resolve()
    wanted: dict[str, Path] = {}
    for path in files:
        try:
            wanted[path.resolve().relative_to(real_top).as_posix()] = path
        except (ValueError, OSError):
            continue
    found: dict[str, Commit] = {}
    args = ["-c", "core.quotePath=false", "log", f"--format={_SEPARATOR}%H\x1f%an <%ae>", "--name-only", "HEAD"]
    pending: list[bytes] = []
    walked = [0]
    output = stream(args, top, timeout=120)
    try:
        for chunk in output:
            pending.append(chunk)
            complete, _, rest = b"".join(pending).rpartition(_SEPARATOR.encode())
            if complete:
                _parse_log([complete], set(wanted), found, walked)
                pending = [_SEPARATOR.encode() + rest]
                if len(found) == len(wanted):
                    break
        else:
            _parse_log(pending, set(wanted), found, walked)
    except GitError:
        pass  # no history (no commit yet): nothing to record
    finally:
        output.close()  # stops git once every file is found
    return {wanted[name]: commit for name, commit in found.items()}
