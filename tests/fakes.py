"""One configurable in-process fake platform for queue tests: every transition can be forced.

:class:`FakeRemote` is what the "platform" holds (posts by idempotency key),
every call made to it, and the faults it will raise next; its
:meth:`FakeRemote.factory` is the ``adapter_factory`` a Dispatcher takes.
End-to-end suites use the HTTP fake server (``fakeplatform.py``) instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from publisher.platforms.account import Account
from publisher.platforms.base import OutcomeUnknown, Platform, PublishRequest, RemotePost, TransientError

Fault = Exception | Callable[[PublishRequest], Exception | None]
APPLIED = "applied"  # OutcomeUnknown(APPLIED): the post is created, then the answer is lost


@dataclass(frozen=True)
class Call:
    account: str
    language: str
    text: str
    key: str


@dataclass
class FakeRemote:
    """The fake platform's state. ``faults`` are raised in order, one per publish call.

    ``fail_every``: every Nth publish raises a TransientError (to mix retries into a race);
    ``rule``: a function of the request that may return an exception to raise (e.g. Welsh texts
    containing FAIL), applied to every call.
    """

    fail_every: int = 0
    rule: Callable[[PublishRequest], Exception | None] | None = None
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)  # every publish call, failed or not
    published: list[Call] = field(default_factory=list)  # the calls that created a post
    edits: list[tuple[str, str]] = field(default_factory=list)  # (remote id, new text)
    hidden: list[str] = field(default_factory=list)  # every hide call, in order
    faults: list[Fault] = field(default_factory=list)
    tries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def factory(self) -> Callable[..., Platform]:
        """An adapter factory for Dispatcher(adapter_factory=...)."""

        def make(account: Account, env: Any = None, timeout: float = 30.0) -> Platform:
            return FakePlatform(account, env, timeout, remote=self)

        return make

    def _fault(self, request: PublishRequest) -> Exception | None:
        self.tries += 1
        if self.fail_every and self.tries % self.fail_every == 0:
            return TransientError("HTTP 503")
        if self.rule is not None:
            found = self.rule(request)
            if found is not None:
                return found
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        return fault if isinstance(fault, Exception) else fault(request)

    def publish(self, account: str, request: PublishRequest) -> RemotePost:
        call = Call(account, request.language, request.text, request.idempotency_key)
        with self.lock:
            self.calls.append(call)
            fault = self._fault(request)
            applied = isinstance(fault, OutcomeUnknown) and fault.args[0] == APPLIED
            if fault is None or applied:
                reply_to = request.reply_to.id if request.reply_to else None
                self.posts[request.idempotency_key] = {"text": request.text, "reply_to": reply_to}
                self.published.append(call)
            if applied:
                raise OutcomeUnknown("timed out after sending")
            if fault is not None:
                raise fault
        return RemotePost(id=request.idempotency_key, url=f"https://example/{request.idempotency_key}")


class FakePlatform(Platform):
    """Stands in for an outbox account (it can edit, as the outbox can)."""

    name: ClassVar[str] = "outbox"

    def __init__(self, account: Account, env: Any = None, timeout: float = 30.0, *, remote: FakeRemote) -> None:
        super().__init__(account, env, timeout)
        self.remote = remote

    def publish(self, request: PublishRequest) -> RemotePost:
        return self.remote.publish(self.account.name, request)

    def find_recent(self, request: PublishRequest, since: datetime) -> RemotePost | None:
        return RemotePost(id=request.idempotency_key) if request.idempotency_key in self.remote.posts else None

    def hide(self, message: RemotePost) -> RemotePost:
        with self.remote.lock:
            self.remote.hidden.append(message.id)
            fault = self.remote.faults.pop(0) if self.remote.faults else None
        if isinstance(fault, Exception):
            raise fault
        return message

    def edit(self, post: RemotePost, text: str) -> RemotePost:
        with self.remote.lock:
            self.remote.edits.append((post.id, text))
            self.remote.posts.setdefault(post.id, {})["text"] = text
        return post
