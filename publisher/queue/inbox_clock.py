"""When each inbox message was acknowledged, answered or closed, from the deliveries that did it (docs/inbox.md).

The inbox, ``status`` and the compliance report all read the clock here, so
they agree: a message is *acknowledged* once a holding statement or an
answer to it is published, *answered* once an answer is, and *closed* when
someone marks it as needing no answer or it is hidden (policy 11.2, 12). A
queued answer stops nothing until it is on the platform. The due times were
fixed in working days when the message was collected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.queue.models import Delivery, InboxMessage, InboxResponse
from publisher.queue.states import OPEN_STATES, DeliveryState, ResponseKind

_ANSWERS = (ResponseKind.REPLY, ResponseKind.ACK)
_IN_LIMIT = 500  # above this many messages, read every response rather than list the ids


@dataclass(frozen=True)
class Clock:
    """One message's clock: due times, when it was acknowledged, answered or closed, and in which languages."""

    received_at: datetime
    ack_due_at: datetime
    answer_due_at: datetime
    acknowledged_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    hidden_at: datetime | None = None
    answer_languages: frozenset[str] = frozenset()  # of the published answers and holding statements
    pending: bool = False  # a response is queued and not on the platform yet

    @property
    def state(self) -> str:
        """``answered``, ``closed`` (no answer needed, or hidden), ``acknowledged`` or ``open``."""
        if self.answered_at is not None:
            return "answered"
        if self.closed_at is not None:
            return "closed"
        return "acknowledged" if self.acknowledged_at is not None else "open"

    def ack_overdue(self, now: datetime) -> bool:
        return self.acknowledged_at is None and self.closed_at is None and now > self.ack_due_at

    def answer_overdue(self, now: datetime) -> bool:
        return self.answered_at is None and self.closed_at is None and now > self.answer_due_at

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.answer_due_at

    def breached(self, now: datetime) -> bool:
        """Over the answer limit: answered after it, or still unanswered past it."""
        return self.answered_late or self.answer_overdue(now)


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def clocks(session: Session, messages: Sequence[InboxMessage]) -> dict[int, Clock]:
    """The clock of each message, by message id."""
    query = select(
        InboxResponse.message_id, InboxResponse.kind, Delivery.state, Delivery.published_at, Delivery.language
    ).join(Delivery, Delivery.id == InboxResponse.delivery_id)
    if len(messages) <= _IN_LIMIT:
        query = query.where(InboxResponse.message_id.in_([m.id for m in messages]))
    done: dict[int, dict[ResponseKind, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    languages: dict[int, set[str]] = defaultdict(set)
    pending: set[int] = set()
    for message_id, kind, state, published_at, language in session.execute(query):
        if state == DeliveryState.PUBLISHED and published_at is not None:
            done[message_id][kind].append(published_at)
            if kind in _ANSWERS:
                languages[message_id].add(language)
        elif state in OPEN_STATES:
            pending.add(message_id)
    result = {}
    for message in messages:
        times = done.get(message.id, {})
        answered = min(times.get(ResponseKind.REPLY, []), default=None)
        hidden = min(times.get(ResponseKind.HIDE, []), default=None)
        result[message.id] = Clock(
            received_at=message.received_at,
            ack_due_at=message.ack_due_at,
            answer_due_at=message.answer_due_at,
            acknowledged_at=_earliest(answered, min(times.get(ResponseKind.ACK, []), default=None)),
            answered_at=answered,
            closed_at=_earliest(message.closed_at, hidden),
            hidden_at=hidden,
            answer_languages=frozenset(languages.get(message.id, set())),
            pending=message.id in pending,
        )
    return result
