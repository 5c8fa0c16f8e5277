"""What the web tests and the web bench share: posts in the database, users, a logged-in client."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from publisher.config import Config
from publisher.queue import models as m
from publisher.queue.db import open_database
from publisher.queue.states import DeliveryState, MessageKind, MessageLanguage, PostState

SECRET = "a-test-secret-key-that-is-long-enough-for-the-web-0123456789"
PASSWORD = "correct horse battery staple"
WEB_CONFIG = '\n[web]\nsecure_cookies = false\ntrusted_header = "X-Remote-User"\ntrusted_proxies = ["10.9.9.9"]\n'
CY = "Bydd y llyfrgell ar gau ddydd Llun oherwydd gwaith trydanol."
EN = "The library will be closed on Monday because of electrical work."


def _delivery(post: m.StoredPost, seq: int, language: str, state: DeliveryState, now: datetime) -> m.Delivery:
    published = state is DeliveryState.PUBLISHED
    return m.Delivery(
        post_id=post.id,
        revision=1,
        seq=seq,
        account="local",
        target="local",
        platform="outbox",
        language=language,
        text=CY if language == "cy" else EN,
        idempotency_key=hashlib.sha256(f"{post.id}:{seq}".encode()).hexdigest(),
        state=state,
        attempts=1 if state is not DeliveryState.QUEUED else 0,
        last_error="HTTP 500 from the platform" if state is DeliveryState.FAILED else None,
        next_attempt_at=post.scheduled_at or now,
        remote_url=f"https://example.org/{post.id}/{language}" if published else None,
        published_at=post.scheduled_at if published else None,
        created_at=now,
        updated_at=now,
    )


def seed_posts(config: Config, start: datetime, count: int, step: timedelta = timedelta(hours=1)) -> list[str]:
    """``count`` posts from ``start`` on the ``local`` account, each Welsh then English; a mix of states."""
    states = (DeliveryState.PUBLISHED, DeliveryState.QUEUED, DeliveryState.FAILED, DeliveryState.QUEUED)
    ids = []
    with open_database(config) as db, db.sessions.begin() as session:
        for n in range(count):
            when = start + n * step
            held = n % 10 == 9
            post = m.StoredPost(
                id=f"post-{n:05d}",
                slug=f"post-{n:05d}",
                content_hash="0" * 64,
                state=PostState.HELD if held else PostState.ACTIVE,
                scheduled_at=when,
                accounts=["local"],
                text_cy=CY,
                text_en=EN,
                held_codes=["welsh-missing"] if held else [],
                first_seen=when - timedelta(days=7),
                updated_at=when - timedelta(days=7),
            )
            session.add(post)
            if not held:
                state = states[n % len(states)]
                cy_state = DeliveryState.PUBLISHED if state is DeliveryState.FAILED else state
                session.add_all([_delivery(post, 0, "cy", cy_state, when), _delivery(post, 1, "en", state, when)])
            ids.append(post.id)
    return ids


def csrf(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    """Log in through the form, as a browser would."""
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def welsh_message(config: Config) -> int:
    """A Welsh comment from the public on the ``powys-facebook`` account, waiting for an answer."""
    now = datetime.now(UTC)
    with open_database(config) as db, db.sessions.begin() as session:
        message = m.InboxMessage(
            account="powys-facebook",
            platform="facebook",
            remote_id="c1",
            kind=MessageKind.COMMENT,
            author_handle="Dai",
            text="Pryd mae'r llyfrgell ar agor ddydd Sadwrn?",
            language=MessageLanguage.WELSH,
            language_basis="detected",
            received_at=now,
            collected_at=now,
            reply_target={"id": "c1", "url": None, "extra": {}},
            hideable=True,
            ack_due_at=now + timedelta(days=1),
            answer_due_at=now + timedelta(days=5),
        )
        session.add(message)
        session.flush()
        return message.id
