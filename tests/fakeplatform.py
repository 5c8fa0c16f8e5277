"""A fake social-media platform on 127.0.0.1 for end-to-end runs of the real CLI.

It speaks just enough of five real API shapes for the adapters to work
unchanged against it: X API v2 (``/2/...``), the Graph API
(``/vNN.0/...``: Facebook Pages and Instagram), Mastodon (``/api/v1``,
``/api/v2``) and Bluesky (XRPC, ``/xrpc/...``). Every created post is kept
in memory, so a test can count what was really published. The read side
(what the public sends, for the inbox) is in ``fakeinbox.py``.

Faults are injected on *create* calls only, from a script or at random:
``429`` with a reset header, ``500`` (nothing created), ``"timeout"`` (the
post IS created, then the answer is delayed past the client's timeout: the
case that must be reconciled, not duplicated).

Control endpoints: ``GET /_posts``, ``POST /_reset``, ``POST /_faults``
with ``{"script": [...], "error_rate": f, "timeout_rate": f,
"rate_limit_rate": f, "seed": n, "timeout_sleep": s}``.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from fakeinbox import InboxRoutes


@dataclass
class FakeState:
    """Everything the fake platforms hold; guarded by one lock."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    rate_limit_rate: float = 0.0
    timeout_sleep: float = 2.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    next_id: int = 1000
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    incoming: list[dict[str, Any]] = field(default_factory=list)  # what the public sent (fakeinbox.py)
    read_script: list[dict[str, Any]] = field(default_factory=list)  # faults for read calls
    read_delay: float = 0.0
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)  # Instagram media containers
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # Bluesky records
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class IncompleteBody(Exception):
    """The connection closed before the whole request body arrived."""


class Handler(InboxRoutes, BaseHTTPRequestHandler):
    """Routes requests to the five platform shapes and the control endpoints."""

    server: FakeServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer, and the fake is meant to be zero-latency.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing ---------------------------------------------------------

    def _body(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(fields, files) from JSON, form or multipart bodies."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client died mid-request (the crash tests SIGKILL it): a real server drops a
            # body cut short rather than acting on half a form.
            raise IncompleteBody
        ctype = self.headers.get("Content-Type", "")
        fields: dict[str, Any] = {}
        files: dict[str, Any] = {}
        if "json" in ctype and raw:
            fields = json.loads(raw)
        elif "multipart/form-data" in ctype:
            message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if part.get_filename():
                    files[name] = part.get_payload(decode=True)
                else:
                    fields[name] = (
                        part.get_content().strip()
                        if isinstance(part.get_content(), str)
                        else part.get_payload(decode=True).decode()
                    )
        elif raw and not raw.isascii():
            files["blob"] = raw  # a raw upload (Bluesky's uploadBlob)
        elif raw:
            for key, values in parse_qs(raw.decode(), keep_blank_values=True).items():
                fields[key] = values if key.endswith("[]") else values[0]
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        return {**query, **fields}, files

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, platform: str) -> tuple[str, Any] | None:
        """The fault to apply to this create call, if any."""
        state = self.server.state
        with state.lock:
            if state.script:
                return ("script", state.script.pop(0))
            roll = state.rng.random()
            if roll < state.rate_limit_rate:
                return ("script", {"status": 429, "reset_in": 1})
            if roll < state.rate_limit_rate + state.error_rate:
                return ("script", {"status": 500})
            if roll < state.rate_limit_rate + state.error_rate + state.timeout_rate:
                return ("script", "timeout")
        return None

    def _rate_limited(self, platform: str, reset_in: float) -> None:
        reset = int(time.time() + reset_in)
        if platform == "x":
            self._send(
                429,
                {"title": "Too Many Requests", "detail": "Too Many Requests"},
                {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
            )
        elif platform == "bluesky":
            self._send(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {"ratelimit-reset": str(reset), "ratelimit-remaining": "0"},
            )
        elif platform == "mastodon":
            iso = datetime.fromtimestamp(reset, UTC).isoformat()
            self._send(
                429,
                {"error": "Too many requests"},
                {"X-RateLimit-Reset": iso, "X-RateLimit-Remaining": "0", "Retry-After": str(int(reset_in) or 1)},
            )
        else:
            self._send(
                429,
                {
                    "error": {
                        "message": "Application request limit reached",
                        "type": "OAuthException",
                        "code": 4,
                        "is_transient": True,
                    }
                },
                {"Retry-After": str(int(reset_in) or 1)},
            )

    def _create(self, platform: str, post: dict[str, Any], render: Any, idem: str | None = None) -> None:
        """Create ``post`` unless a fault says otherwise, then answer with ``render(post)``."""
        state = self.server.state
        if idem:
            with state.lock:
                existing = state.idempotency.get(idem)
            if existing is not None:
                self._send(200, render(existing))
                return
        fault = self._fault(platform)
        action = fault[1] if fault else None
        if isinstance(action, dict) and action.get("status") == 429:
            self._rate_limited(platform, float(action.get("reset_in", 1)))
            return
        if isinstance(action, dict) and action.get("status", 200) >= 500:
            self._send(
                int(action["status"]),
                {"error": {"message": "Internal error", "code": 2, "is_transient": True}}
                if platform == "graph"
                else {"error": "Internal Server Error"},
            )
            return
        with state.lock:
            post.update(id=state.new_id(), created_at=_now(), platform=platform)
            state.posts.append(post)
            if idem:
                state.idempotency[idem] = post
        if action == "timeout":
            time.sleep(state.timeout_sleep)
        self._send(201 if platform == "x" else 200, render(post))

    def _find(self, post_id: str) -> dict[str, Any] | None:
        with self.server.state.lock:
            return next((p for p in self.server.state.posts if p["id"] == post_id), None)

    def _new_media(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        state = self.server.state
        with state.lock:
            media = {
                "id": state.new_id(),
                "description": fields.get("description"),
                "size": len(next(iter(files.values()), b"") or b""),
            }
            state.media[media["id"]] = media
        return media

    # -- routing ------------------------------------------------------------

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PUT(self) -> None:
        self._route("PUT")

    def _route(self, method: str) -> None:
        path = urlparse(self.path).path
        try:
            fields, files = (
                self._body()
                if method in ("POST", "PUT", "DELETE")
                else ({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}, {})
            )
        except IncompleteBody:
            self.close_connection = True
            return
        with self.server.state.lock:
            self.server.state.requests.append(
                {"method": method, "path": path, "fields": {k: v for k, v in fields.items() if k != "access_token"}}
            )
        try:
            if path.startswith("/_"):
                if self._inbox_control(method, path, fields):
                    return None
                return self._control(method, path, fields)
            if path.startswith("/xrpc/"):
                return self._bluesky(method, path, fields)
            if path.startswith("/2/"):
                return self._x(method, path, fields, files)
            if path.startswith("/api/"):
                return self._mastodon(method, path, fields, files)
            if re.match(r"^/v\d+\.\d+/", path):
                return self._graph(method, path, fields, files)
        except (BrokenPipeError, ConnectionResetError):
            return
        self._send(404, {"error": f"no route {method} {path}"})

    def _control(self, method: str, path: str, fields: dict[str, Any]) -> None:
        state = self.server.state
        if path == "/_posts":
            with state.lock:
                return self._send(200, list(state.posts))
        if path == "/_requests":
            with state.lock:
                return self._send(200, list(state.requests))
        if path == "/_reset":
            with state.lock:
                state.posts.clear()
                state.requests.clear()
                state.idempotency.clear()
                state.script.clear()
                state.incoming.clear()
                state.read_script.clear()
                state.records.clear()
            return self._send(200, {"ok": True})
        if path == "/_faults":
            with state.lock:
                state.script = list(fields.get("script", []))
                state.error_rate = float(fields.get("error_rate", 0))
                state.timeout_rate = float(fields.get("timeout_rate", 0))
                state.rate_limit_rate = float(fields.get("rate_limit_rate", 0))
                state.timeout_sleep = float(fields.get("timeout_sleep", state.timeout_sleep))
                if "seed" in fields:
                    state.rng = random.Random(int(fields["seed"]))
            return self._send(200, {"ok": True})
        self._send(404, {"error": "unknown control"})

    # -- X API v2 -------------------------------------------------------------

    def _x(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        def render(post: dict[str, Any]) -> dict[str, Any]:
            return {"data": {"id": post["id"], "text": post["text"], "edit_history_tweet_ids": [post["id"]]}}

        if method == "POST" and path == "/2/tweets":
            reply = (fields.get("reply") or {}).get("in_reply_to_tweet_id")
            media_ids = (fields.get("media") or {}).get("media_ids", [])
            return self._create("x", {"text": fields.get("text", ""), "reply_to": reply, "media": media_ids}, render)
        if method == "GET" and path == "/2/users/me":
            return self._send(200, {"data": {"id": "42", "name": "Cyngor", "username": "cyngor"}})
        if method == "GET" and re.match(r"^/2/users/\w+/mentions$", path):
            return self._x_mentions(fields)
        match = re.match(r"^/2/users/(\w+)/tweets$", path)
        if method == "GET" and match:
            start = fields.get("start_time", "")
            with self.server.state.lock:
                mine = [p for p in self.server.state.posts if p["platform"] == "x" and p["created_at"] >= start]
            offset = int(fields.get("pagination_token") or 0)
            size = int(fields.get("max_results", 100))
            page = [{"id": p["id"], "text": p["text"], "created_at": p["created_at"]} for p in reversed(mine)][
                offset : offset + size
            ]
            meta: dict[str, Any] = {"result_count": len(page)}
            if offset + size < len(mine):
                meta["next_token"] = str(offset + size)
            return self._send(200, {"data": page, "meta": meta} if page else {"meta": meta})
        match = re.match(r"^/2/tweets/(\w+)$", path)
        if method == "DELETE" and match:
            with self.server.state.lock:
                self.server.state.posts = [p for p in self.server.state.posts if p["id"] != match.group(1)]
            return self._send(200, {"data": {"deleted": True}})
        if method == "POST" and path == "/2/media/upload":
            media = self._new_media(fields, files)
            return self._send(200, {"data": {"id": media["id"], "media_key": f"3_{media['id']}"}})
        if method == "POST" and path == "/2/media/metadata":
            media_id = str(fields.get("id"))
            with self.server.state.lock:
                if media_id in self.server.state.media:
                    self.server.state.media[media_id]["description"] = (
                        (fields.get("metadata") or {}).get("alt_text") or {}
                    ).get("text")
            return self._send(200, {"data": {"id": media_id, "associated_metadata": fields.get("metadata")}})
        self._send(404, {"title": "Not Found", "detail": f"no route {method} {path}"})

    # -- Graph API (Facebook Page, Instagram) ------------------------------------

    def _graph(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        parts = path.strip("/").split("/")[1:]  # drop the version

        def render(post: dict[str, Any]) -> dict[str, Any]:
            return {"id": post["id"], "post_id": post["id"]}

        if method == "POST" and len(parts) == 2 and parts[1] in ("feed", "photos"):
            if parts[1] == "photos" and str(fields.get("published", "true")).lower() == "false":
                media = self._new_media({"description": fields.get("alt_text_custom")}, files)
                return self._send(200, {"id": media["id"]})
            return self._create(
                "graph",
                {
                    "text": fields.get("message", ""),
                    "page": parts[0],
                    "alt": fields.get("alt_text_custom"),
                    "reply_to": None,
                },
                render,
            )
        if self._instagram_write(method, parts, fields):
            return None
        if method == "GET" and len(parts) == 2 and parts[1] in ("comments", "replies"):
            return self._graph_comments(parts[0], fields, parts[1])
        if method == "GET" and len(parts) == 2 and parts[1] == "media":
            return self._graph_listing(parts[0], fields, instagram=True)
        if method == "GET" and len(parts) == 2 and parts[1] == "posts" and "comments" in fields.get("fields", ""):
            return self._graph_listing(parts[0], fields, instagram=False)
        if len(parts) == 1 and self._graph_node(method, parts[0], fields):
            return None
        if method == "POST" and len(parts) == 2 and parts[1] == "comments":
            return self._create(
                "graph", {"text": fields.get("message", ""), "reply_to": parts[0]}, lambda p: {"id": p["id"]}
            )
        if method == "GET" and len(parts) == 2 and parts[1] in ("posts", "feed", "published_posts"):
            since = datetime.fromtimestamp(float(fields.get("since") or 0), UTC).isoformat().replace("+00:00", "Z")
            with self.server.state.lock:
                mine = [
                    p
                    for p in self.server.state.posts
                    if p["platform"] == "graph" and p.get("reply_to") is None and p["created_at"] >= since
                ]
            data = [
                {
                    "id": p["id"],
                    "message": p["text"],
                    "created_time": p["created_at"].replace("Z", "+0000"),
                    "permalink_url": f"https://facebook.example/{p['id']}",
                }
                for p in reversed(mine)
            ]
            return self._send(200, {"data": data})
        if len(parts) == 1:
            post = self._find(parts[0])
            if post is None:
                return self._send(
                    404, {"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}}
                )
            if method == "POST":
                with self.server.state.lock:
                    post.setdefault("edits", []).append(post["text"])
                    post["text"] = fields.get("message", post["text"])
                return self._send(200, {"success": True})
            if method == "DELETE":
                with self.server.state.lock:
                    self.server.state.posts.remove(post)
                return self._send(200, {"success": True})
            return self._send(
                200,
                {
                    "id": post["id"],
                    "message": post["text"],
                    "permalink_url": f"https://facebook.example/{post['id']}",
                    "created_time": post["created_at"],
                },
            )
        self._send(
            404, {"error": {"message": f"no route {method} {path}", "type": "GraphMethodException", "code": 100}}
        )

    # -- Mastodon ---------------------------------------------------------------

    def _status(self, post: dict[str, Any]) -> dict[str, Any]:
        base = f"http://{self.headers.get('Host')}"
        return {
            "id": post["id"],
            "uri": f"{base}/users/cyngor/statuses/{post['id']}",
            "url": f"{base}/@cyngor/{post['id']}",
            "content": f"<p>{post['text']}</p>",
            "text": post["text"],
            "created_at": post["created_at"],
            "language": post.get("language"),
            "in_reply_to_id": post.get("reply_to"),
            "visibility": "public",
            "media_attachments": [],
            "account": {"id": "7", "username": "cyngor", "acct": "cyngor"},
            "spoiler_text": "",
            "sensitive": False,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblog": None,
            "edited_at": None,
        }

    def _mastodon(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        if method == "GET" and path in ("/api/v1/instance", "/api/v2/instance"):
            return self._send(
                200,
                {"uri": "fake", "title": "fake", "version": "4.3.0", "domain": "fake", "api_versions": {"mastodon": 2}},
            )
        if method == "POST" and path == "/api/v1/statuses":
            media_ids = fields.get("media_ids[]") or fields.get("media_ids") or []
            post = {
                "text": fields.get("status", ""),
                "language": fields.get("language"),
                "reply_to": fields.get("in_reply_to_id"),
                "media": media_ids,
            }
            return self._create("mastodon", post, self._status, idem=self.headers.get("Idempotency-Key"))
        if method == "GET" and path == "/api/v1/notifications":
            return self._mastodon_notifications(fields)
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return self._send(200, {"id": "7", "username": "cyngor", "acct": "cyngor", "display_name": "Cyngor"})
        match = re.match(r"^/api/v1/accounts/(\w+)/statuses$", path)
        if method == "GET" and match:
            with self.server.state.lock:
                mine = [p for p in self.server.state.posts if p["platform"] == "mastodon"]
            return self._send(200, [self._status(p) for p in reversed(mine)][: int(fields.get("limit", 40))])
        if method == "POST" and path in ("/api/v2/media", "/api/v1/media"):
            media = self._new_media(fields, files)
            return self._send(
                200,
                {
                    "id": media["id"],
                    "type": "image",
                    "url": f"http://{self.headers.get('Host')}/media/{media['id']}",
                    "description": media["description"],
                },
            )
        match = re.match(r"^/api/v1/media/(\w+)$", path)
        if match:
            return self._send(
                200,
                {
                    "id": match.group(1),
                    "type": "image",
                    "url": f"http://{self.headers.get('Host')}/media/{match.group(1)}",
                },
            )
        match = re.match(r"^/api/v1/statuses/(\w+)$", path)
        if match:
            post = self._find(match.group(1))
            if post is None:
                return self._send(404, {"error": "Record not found"})
            if method == "DELETE":
                with self.server.state.lock:
                    self.server.state.posts.remove(post)
            elif method == "PUT":
                with self.server.state.lock:
                    post.setdefault("edits", []).append(post["text"])
                    post["text"] = fields.get("status", post["text"])
            return self._send(200, self._status(post))
        self._send(404, {"error": f"no route {method} {path}"})


class FakeServer(ThreadingHTTPServer):
    """The server; ``state`` is shared by all handler threads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = FakeState()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":  # run standalone: python tests/fakeplatform.py [port]
    import sys

    server = FakeServer(int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print(f"fake platforms on {server.url}", flush=True)
    server.serve_forever()
