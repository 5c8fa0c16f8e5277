"""The audit trail: every state change a person may later be asked about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from publisher.queue.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    post_id: str | None = None,
    delivery_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an audit event to ``session`` (committed with the change it describes)."""
    session.add(
        AuditEvent(
            at=at or datetime.now(UTC),
            actor=actor,
            action=action,
            post_id=post_id,
            delivery_id=delivery_id,
            detail=detail or {},
        )
    )
