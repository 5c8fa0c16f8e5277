"""The daemon's own working copy of the content repository (docs/configuration.md "content").

Editors commit; a pull request's review is the approval; the daemon
publishes only what is on the followed branch. Each update fetches that
branch (force-pushes included: ``+`` refspec) and checks its tip out,
detached and clean, into a folder the daemon owns. A fetch that fails
leaves the last good tree in place, so the daemon goes on publishing from
it; the caller logs and records the failure. A folder that holds anything
but the publisher's own working copy is never touched.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from publisher.content.git import GitError, run
from publisher.i18n import _
from publisher.operations import Repository

MARKER = "publisher-working-copy"  # in .git/: this folder is the publisher's to reset and clean
FOLLOWED = "refs/remotes/followed/"


@dataclass(frozen=True)
class Update:
    """One update: the commit now checked out (None: no good tree yet), the one before, and any error."""

    commit: str | None
    previous: str | None
    error: str | None = None

    @property
    def moved(self) -> bool:
        return self.commit is not None and self.commit != self.previous


class WorkingCopy:
    """A detached, clean checkout of one branch of one repository, in a folder the publisher owns."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.folder = repository.working_copy

    def _git(self, *args: str, timeout: float = 60) -> str:
        return run(list(args), self.folder, timeout=timeout)

    def _prepare(self) -> None:
        """Create the working copy on first use; refuse a folder that is someone else's."""
        marker = self.folder / ".git" / MARKER
        if marker.exists():
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            message = _(
                "%(folder)s already holds files that are not the publisher's working copy; "
                "set [content] working_copy to an empty or new folder"
            )
            raise GitError(message % {"folder": self.folder})
        self.folder.mkdir(parents=True, exist_ok=True)
        self._git("init", "--quiet")
        marker.write_text("this folder is the publisher's working copy: it is reset to the followed branch\n")

    def current(self) -> str | None:
        """The commit checked out now, if any."""
        if not (self.folder / ".git" / MARKER).exists():
            return None
        try:
            return self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", timeout=20).strip() or None
        except GitError:
            return None

    def update(self, checkout_lock: AbstractContextManager[object] | None = None) -> Update:
        """Fetch the branch and check its tip out; on any failure keep the tree there was.

        Only the checkout holds ``checkout_lock`` (so nobody reads a half-written
        tree); the fetch, which may wait on the network, does not.
        """
        previous = self.current()
        branch = self.repository.branch
        try:
            self._prepare()
            self._git(
                "fetch",
                "--quiet",
                "--no-tags",
                "--prune",
                "--",
                self.repository.url,
                f"+refs/heads/{branch}:{FOLLOWED}{branch}",
                timeout=self.repository.fetch_timeout.total_seconds(),
            )
            tip = self._git("rev-parse", "--verify", f"{FOLLOWED}{branch}^{{commit}}", timeout=20).strip()
            with checkout_lock if checkout_lock is not None else nullcontext():
                if tip != previous:
                    self._git("checkout", "--quiet", "--force", "--detach", tip)
                self._git("clean", "-ffdxq")  # nothing but what the branch holds
        except GitError as exc:
            return Update(commit=self.current(), previous=previous, error=str(exc))
        return Update(commit=tip, previous=previous)
