"""A fake social-media platform on 127.0.0.1 for end-to-end runs of the real CLI.

It speaks just enough of the real API shapes for the adapters to work
unchanged against it: X API v2 (``/2/...``), the Graph API
(``/vNN.0/...``: Facebook Pages and Instagram), Mastodon (``/api/v1``,
``/api/v2``), Threads (``/v1.0/...``: containers, publish, listing with
cursors), LinkedIn (``/rest/...``: versioned posts in the "little" text
format, images, comments, listing with ``start``/``count``) and Bluesky
(XRPC, ``/xrpc/...``). Every created post is kept in memory, so a test can
count what was really published. The accounts check reads profiles, bios and
token expiry from it too. The read side (what the public sends, for the
inbox) is in ``fakeinbox.py``.

Faults are injected on *create* calls only, from a script or at random:
``429`` with a reset header, ``500`` (nothing created), ``"timeout"`` (the
post IS created, then the answer is delayed past the client's timeout: the
case that must be reconciled, not duplicated).

Every uploaded image is kept byte for byte (``GET /_media``, base64), so a test
can check what a platform really received.

Control endpoints: ``GET /_posts``, ``GET /_media``, ``POST /_reset``, ``POST /_faults``
with ``{"script": [...], "error_rate": f, "timeout_rate": f,
"rate_limit_rate": f, "seed": n, "timeout_sleep": s, "latency": s}`` (latency: every
platform call answers that many seconds late), and ``POST
/_accounts`` with ``{"bios": {platform or "bluesky:HANDLE": text}, "tokens":
{"graph"|"threads": {"expires_at", "data_access_expires_at", "is_valid"}},
"refuse": [platform, ...], "x_editable": bool}`` (refused credentials answer 401).
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from fakeinbox import DID, HANDLE, InboxRoutes

BILINGUAL_BIO = "Newyddion gan Gyngor Sir Powys. News from Powys County Council."
DEFAULT_BIOS = {
    "x": BILINGUAL_BIO,
    "graph": BILINGUAL_BIO,
    "mastodon": BILINGUAL_BIO,
    "threads": BILINGUAL_BIO,
    "linkedin": BILINGUAL_BIO,
    "bluesky": BILINGUAL_BIO,
}
PROFILE_IDS = {"1234": "facebook", "17841": "instagram"}  # the Page and Instagram ids the tests configure
HANDLES = {"x": "cyngor", "mastodon": "cyngor", "threads": "cyngor_powys", "linkedin": "cyngor-sir-powys"}
LITTLE_RESERVED = "\\|{}@[]()<>#*_~"


def default_tokens() -> dict[str, dict[str, Any]]:
    now = int(time.time())
    return {
        "graph": {"is_valid": True, "expires_at": 0, "data_access_expires_at": now + 80 * 86400},
        "threads": {"is_valid": True, "expires_at": now + 50 * 86400, "data_access_expires_at": now + 80 * 86400},
    }


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
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)  # Threads and Instagram, before publishing
    bios: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BIOS))
    tokens: dict[str, dict[str, Any]] = field(default_factory=default_tokens)
    refuse: set[str] = field(default_factory=set)
    x_editable: bool = True  # False: X answers that no post is eligible for editing (e.g. no subscription)
    incoming: list[dict[str, Any]] = field(default_factory=list)  # what the public sent (fakeinbox.py)
    read_script: list[dict[str, Any]] = field(default_factory=list)  # faults for read calls
    read_delay: float = 0.0
    latency: float = 0.0  # seconds before every platform call is answered: a real platform's round trip
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
        elif "octet-stream" in ctype or ctype.startswith("image/") or (raw and not raw.isascii()):
            files["body"] = raw
            files["blob"] = raw  # a raw upload (Bluesky's uploadBlob)
        elif raw:
            for key, values in parse_qs(raw.decode(), keep_blank_values=True).items():
                fields[key] = values if key.endswith("[]") else values[0]
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        return {**query, **fields}, files

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if status == 204 else json.dumps(body).encode()
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
        elif platform == "linkedin":
            self._send(
                429,
                {"message": "Resource level throttle APPLICATION DAY limit is reached.", "status": 429},
                {"Retry-After": str(int(reset_in) or 1)},
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

    def _create(
        self,
        platform: str,
        post: dict[str, Any],
        render: Any,
        idem: str | None = None,
        status: int | None = None,
        headers: Any = None,
    ) -> None:
        """Create ``post`` unless a fault says otherwise, then answer with ``render(post)`` (and ``headers(post)``)."""
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
                if platform in ("graph", "threads")
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
        self._send(status or (201 if platform == "x" else 200), render(post), headers(post) if headers else None)

    def _find(self, post_id: str) -> dict[str, Any] | None:
        with self.server.state.lock:
            return next((p for p in self.server.state.posts if p["id"] == post_id), None)

    def _new_media(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        state = self.server.state
        with state.lock:
            data = next(iter(files.values()), b"") or b""
            media = {
                "id": state.new_id(),
                "description": fields.get("description"),
                "size": len(data),
                "data": base64.b64encode(data).decode(),  # the exact bytes received, for the tests to inspect
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
            if self.server.state.latency:
                time.sleep(self.server.state.latency)
            refused = self._refused(path)
            if refused:
                return refused
            if path.startswith("/2/"):
                return self._x(method, path, fields, files)
            if path.startswith("/api/"):
                return self._mastodon(method, path, fields, files)
            if path.startswith("/v1.0/"):
                return self._threads(method, path, fields, files)
            if path.startswith(("/rest/", "/dms-uploads/")):
                return self._linkedin(method, path, fields, files)
            if path.startswith("/xrpc/"):
                return self._bluesky(method, path, fields)
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
        if path == "/_media":
            with state.lock:
                return self._send(200, list(state.media.values()))
        if path == "/_requests":
            with state.lock:
                return self._send(200, list(state.requests))
        if path == "/_reset":
            with state.lock:
                state.posts.clear()
                state.requests.clear()
                state.idempotency.clear()
                state.script.clear()
                state.media.clear()
                state.incoming.clear()
                state.read_script.clear()
                state.records.clear()
            return self._send(200, {"ok": True})
        if path == "/_seed":  # posts made by someone else on the account, newer than ours
            with state.lock:
                for index in range(int(fields.get("count", 1))):
                    post = {"text": str(fields.get("text", "filler {i}")).format(i=index), "reply_to": None}
                    post.update(id=state.new_id(), created_at=_now(), platform=str(fields["platform"]))
                    state.posts.append(post)
            return self._send(200, {"ok": True})
        if path == "/_accounts":
            with state.lock:
                state.bios.update(fields.get("bios", {}))
                for platform, token in fields.get("tokens", {}).items():
                    state.tokens.setdefault(platform, {}).update(token)
                state.refuse = set(fields.get("refuse", []))
                state.x_editable = bool(fields.get("x_editable", True))
            return self._send(200, {"ok": True})
        if path == "/_faults":
            with state.lock:
                state.script = list(fields.get("script", []))
                state.error_rate = float(fields.get("error_rate", 0))
                state.timeout_rate = float(fields.get("timeout_rate", 0))
                state.rate_limit_rate = float(fields.get("rate_limit_rate", 0))
                state.timeout_sleep = float(fields.get("timeout_sleep", state.timeout_sleep))
                state.latency = float(fields.get("latency", 0))
                if "seed" in fields:
                    state.rng = random.Random(int(fields["seed"]))
            return self._send(200, {"ok": True})
        self._send(404, {"error": "unknown control"})

    # -- X API v2 -------------------------------------------------------------

    def _x(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        def render(post: dict[str, Any]) -> dict[str, Any]:
            return {"data": {"id": post["id"], "text": post["text"], "edit_history_tweet_ids": [post["id"]]}}

        if method == "POST" and path == "/2/tweets" and fields.get("edit_options"):
            return self._x_edit(fields)
        if method == "POST" and path == "/2/tweets":
            reply = (fields.get("reply") or {}).get("in_reply_to_tweet_id")
            media_ids = (fields.get("media") or {}).get("media_ids", [])
            return self._create("x", {"text": fields.get("text", ""), "reply_to": reply, "media": media_ids}, render)
        if method == "GET" and path == "/2/users/me":
            me = {"id": "42", "name": "Cyngor", "username": HANDLES["x"]}
            return self._send(200, {"data": me | ({"description": self._bio("x")} if "user.fields" in fields else {})})
        match = re.match(r"^/2/tweets/(\w+)$", path)
        if method == "GET" and match:
            return self._x_lookup(match.group(1))
        if method == "GET" and re.match(r"^/2/users/\w+/mentions$", path):
            return self._x_mentions(fields)
        match = re.match(r"^/2/users/(\w+)/tweets$", path)
        if method == "GET" and match:
            start = fields.get("start_time", "")
            with self.server.state.lock:
                mine = [p for p in self.server.state.posts if p["platform"] == "x" and p["created_at"] >= start]
            offset = int(fields.get("pagination_token") or 0)
            size = int(fields.get("max_results", 100))
            page = [
                {"id": p["id"], "text": p["text"], "created_at": p["created_at"], "edit_history_tweet_ids": [p["id"]]}
                for p in reversed(mine)
            ][offset : offset + size]
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

    def _x_version(self, post: dict[str, Any], version: str) -> dict[str, Any]:
        history = post.get("history") or [post["id"]]
        created = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
        until = created + timedelta(minutes=30)
        data = {
            "id": version,
            "text": post["text"] if version == history[-1] else post["versions"][version],
            "edit_history_tweet_ids": history,
            "edit_controls": {
                "is_edit_eligible": post.get("reply_to") is None and self.server.state.x_editable,
                "editable_until": until.isoformat().replace("+00:00", "Z"),
                "edits_remaining": 6 - len(history),
            },
        }
        if post.get("media"):
            data["attachments"] = {"media_keys": [f"3_{m}" for m in post["media"]]}
        return data

    def _x_find(self, tweet_id: str) -> dict[str, Any] | None:
        with self.server.state.lock:
            return next(
                (
                    p
                    for p in self.server.state.posts
                    if p["platform"] == "x" and tweet_id in (p.get("history") or [p["id"]])
                ),
                None,
            )

    def _x_lookup(self, tweet_id: str) -> None:
        post = self._x_find(tweet_id)
        if post is None:
            return self._send(
                404, {"title": "Not Found Error", "detail": f"Could not find tweet with id: [{tweet_id}]."}
            )
        return self._send(200, {"data": self._x_version(post, tweet_id)})

    def _x_edit(self, fields: dict[str, Any]) -> None:
        previous = str(fields["edit_options"].get("previous_post_id"))
        post = self._x_find(previous)
        if post is None:
            return self._send(404, {"title": "Not Found Error", "detail": "no such post"})
        version = self._x_version(post, previous)
        controls = version["edit_controls"]
        closed = datetime.fromisoformat(controls["editable_until"].replace("Z", "+00:00")) <= datetime.now(UTC)
        if closed or controls["edits_remaining"] <= 0 or previous != version["edit_history_tweet_ids"][-1]:
            return self._send(403, {"title": "Forbidden", "detail": "This Tweet is not eligible for editing."})
        with self.server.state.lock:
            new_id = self.server.state.new_id()
            post.setdefault("history", [post["id"]]).append(new_id)
            post.setdefault("versions", {})[previous] = post["text"]
            post.setdefault("edits", []).append(post["text"])
            post["text"] = fields.get("text", "")
            post["media"] = (fields.get("media") or {}).get("media_ids", post.get("media", []))
        return self._send(
            200, {"data": {"id": new_id, "text": post["text"], "edit_history_tweet_ids": post["history"]}}
        )

    # -- Graph API (Facebook Page, Instagram) ------------------------------------

    def _graph_profile(self, object_id: str, wanted: str) -> dict[str, Any]:
        """A Facebook Page or an Instagram account, with the fields asked for."""
        if PROFILE_IDS[object_id] == "instagram":
            found = {"id": object_id, "username": "cyngorpowys", "biography": self._bio("graph")}
        else:
            found = {
                "id": object_id,
                "name": "Cyngor Sir Powys",
                "link": f"https://www.facebook.com/{object_id}",
                "about": self._bio("graph"),
            }
        return {k: v for k, v in found.items() if k == "id" or k in wanted.split(",")}

    def _graph(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        parts = path.strip("/").split("/")[1:]  # drop the version

        def render(post: dict[str, Any]) -> dict[str, Any]:
            return {"id": post["id"], "post_id": post["id"]}

        if method == "GET" and parts == ["debug_token"]:
            return self._send(200, {"data": self._token("graph")})
        if method == "GET" and len(parts) == 1 and parts[0] in PROFILE_IDS:
            return self._send(200, self._graph_profile(parts[0], str(fields.get("fields", ""))))
        if method == "POST" and len(parts) == 2 and parts[1] in ("feed", "photos"):
            if parts[1] == "photos" and str(fields.get("published", "true")).lower() == "false":
                media = self._new_media({"description": fields.get("alt_text_custom")}, files)
                return self._send(200, {"id": media["id"]})
            if parts[1] == "photos":
                self._new_media({"description": fields.get("alt_text_custom")}, files)
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
            return self._send(200, self._graph_page(data, fields))
        if method == "GET" and len(parts) == 2 and parts[1] == "media":
            with self.server.state.lock:
                mine = [p for p in self.server.state.posts if p["platform"] == "instagram"]
            data = [
                {
                    "id": p["id"],
                    "caption": p["text"],
                    "timestamp": p["created_at"].replace("Z", "+0000"),
                    "permalink": f"https://instagram.example/p/{p['id']}",
                }
                for p in reversed(mine)
            ]
            return self._send(200, self._graph_page(data, fields))
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

    @staticmethod
    def _graph_page(data: list[dict[str, Any]], fields: dict[str, Any]) -> dict[str, Any]:
        """One page of a Graph edge, with cursor paging as Graph gives it."""
        offset = int(fields.get("after") or 0)
        size = int(fields.get("limit") or 25)
        body: dict[str, Any] = {"data": data[offset : offset + size]}
        if offset + size < len(data):
            body["paging"] = {"cursors": {"after": str(offset + size)}, "next": "more"}
        return body

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
            bio = self._bio("mastodon")
            me = {"id": "7", "username": "cyngor", "acct": "cyngor", "display_name": "Cyngor"}
            return self._send(
                200, me | {"note": f"<p>{bio}</p>", "source": {"note": bio}, "url": "http://fake/@cyngor"}
            )
        match = re.match(r"^/api/v1/accounts/(\w+)/statuses$", path)
        if method == "GET" and match:
            below = int(fields.get("max_id") or 10**18)
            with self.server.state.lock:
                mine = [p for p in self.server.state.posts if p["platform"] == "mastodon" and int(p["id"]) < below]
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

    # -- refused credentials (the accounts check) --------------------------------

    def _refused(self, path: str) -> bool:
        """Answer 401 (or the platform's equivalent) when the test refuses this platform's credentials."""
        platform = (
            "x"
            if path.startswith("/2/")
            else "mastodon"
            if path.startswith("/api/")
            else "threads"
            if path.startswith("/v1.0/")
            else "linkedin"
            if path.startswith("/rest/")
            else "bluesky"
            if path.startswith("/xrpc/")
            else "graph"
            if re.match(r"^/v\d+\.\d+/", path)
            else None
        )
        with self.server.state.lock:
            if platform not in self.server.state.refuse:
                return False
        bodies: dict[str, tuple[int, Any]] = {
            "x": (401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}),
            "mastodon": (401, {"error": "The access token is invalid"}),
            "linkedin": (401, {"message": "Invalid access token", "status": 401, "serviceErrorCode": 65600}),
            "bluesky": (401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
        }
        status, body = bodies.get(
            str(platform),
            (400, {"error": {"message": "Error validating access token: Session has expired", "code": 190}}),
        )
        self._send(status, body)
        return True

    def _bio(self, key: str) -> str:
        with self.server.state.lock:
            return self.server.state.bios.get(key, self.server.state.bios.get(key.split(":")[0], ""))

    def _token(self, platform: str) -> dict[str, Any]:
        with self.server.state.lock:
            return {"type": "USER", "application": "publisher", **self.server.state.tokens.get(platform, {})}

    # -- Threads ------------------------------------------------------------------

    def _threads_list(self, fields: dict[str, Any], replies: bool) -> None:
        since = datetime.fromtimestamp(float(fields.get("since") or 0), UTC).isoformat().replace("+00:00", "Z")
        with self.server.state.lock:
            mine = [
                p
                for p in self.server.state.posts
                if p["platform"] == "threads"
                and (p.get("reply_to") is not None) == replies
                and p["created_at"] >= since
            ]
        newest = list(reversed(mine))
        offset = int(fields.get("after") or 0)
        size = int(fields.get("limit", 25))
        page = newest[offset : offset + size]
        data = [
            {
                "id": p["id"],
                "text": p["text"],
                "timestamp": p["created_at"].replace("Z", "+0000"),
                "permalink": f"https://www.threads.net/@cyngor_powys/post/{p['id']}",
            }
            for p in page
        ]
        paging: dict[str, Any] = {"cursors": {"before": str(offset), "after": str(offset + size)}}
        if offset + size < len(newest):
            paging["next"] = f"http://{self.headers.get('Host')}/v1.0/me/threads?after={offset + size}"
        self._send(200, {"data": data, "paging": paging})

    def _threads_container(self, fields: dict[str, Any]) -> None:
        links = set(re.findall(r"https?://\S+", str(fields.get("text", ""))))
        if len(links) > 5:
            return self._send(
                400, {"error": {"message": "THREADS_API__LINK_LIMIT_EXCEEDED", "type": "OAuthException", "code": 100}}
            )
        with self.server.state.lock:
            container = {
                "id": self.server.state.new_id(),
                "fields": {k: v for k, v in fields.items() if k != "access_token"},
                "polls": 1 if fields.get("media_type") in ("IMAGE", "CAROUSEL") else 0,
                "published": None,
            }
            self.server.state.containers[container["id"]] = container
        return self._send(200, {"id": container["id"]})

    def _threads_publish(self, fields: dict[str, Any]) -> None:
        with self.server.state.lock:
            container = self.server.state.containers.get(str(fields.get("creation_id")))
        if container is None or container["published"]:
            return self._send(400, {"error": {"message": "The media is not ready or already published", "code": 24}})
        made = container["fields"]
        post = {
            "text": made.get("text", ""),
            "reply_to": made.get("reply_to_id"),
            "media_type": made.get("media_type"),
            "image_url": made.get("image_url"),
            "alt": made.get("alt_text"),
            "children": made.get("children"),
        }

        def render(created: dict[str, Any]) -> dict[str, Any]:
            container["published"] = created["id"]
            return {"id": created["id"]}

        return self._create("threads", post, render)

    def _threads_object(self, object_id: str) -> None:
        if object_id == "me":
            return self._send(
                200, {"id": "17841", "username": HANDLES["threads"], "threads_biography": self._bio("threads")}
            )
        with self.server.state.lock:
            container = self.server.state.containers.get(object_id)
            if container is not None and container["polls"] > 0:
                container["polls"] -= 1
                return self._send(200, {"id": object_id, "status": "IN_PROGRESS"})
        if container is not None:
            return self._send(200, {"id": object_id, "status": "PUBLISHED" if container["published"] else "FINISHED"})
        post = self._find(object_id)
        if post is None:
            return self._send(404, {"error": {"message": "Unsupported get request.", "code": 100}})
        return self._send(
            200, {"id": object_id, "permalink": f"https://www.threads.net/@cyngor_powys/post/{object_id}"}
        )

    def _threads(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        parts = path.strip("/").split("/")[1:]
        if method == "GET" and parts == ["debug_token"]:
            return self._send(200, {"data": self._token("threads")})
        if method == "POST" and len(parts) == 2 and parts[1] == "threads":
            return self._threads_container(fields)
        if method == "POST" and len(parts) == 2 and parts[1] == "threads_publish":
            return self._threads_publish(fields)
        if method == "GET" and len(parts) == 2 and parts[1] in ("threads", "replies"):
            return self._threads_list(fields, replies=parts[1] == "replies")
        if method == "GET" and len(parts) == 1:
            return self._threads_object(parts[0])
        return self._send(404, {"error": {"message": f"no route {method} {path}", "code": 100}})

    # -- LinkedIn -----------------------------------------------------------------

    def _little_to_plain(self, little: str) -> str:
        """What LinkedIn shows for a little-format commentary: cut at the first unescaped reserved character."""
        out, index = [], 0
        while index < len(little):
            char = little[index]
            if char == "\\" and index + 1 < len(little) and little[index + 1] in LITTLE_RESERVED:
                out.append(little[index + 1])
                index += 2
                continue
            rest = little[index:]
            kept = re.match(r"https?://\S+|#\w+", rest) if (index == 0 or not little[index - 1].isalnum()) else None
            if kept:
                out.append(kept.group(0))
                index += len(kept.group(0))
                continue
            if char in LITTLE_RESERVED:
                break  # LinkedIn silently cuts the post here
            out.append(char)
            index += 1
        return "".join(out)

    def _little(self, plain: str) -> str:
        out = []
        for piece in re.split(r"(https?://\S+|(?<![\w#])#\w+)", plain):
            if re.fullmatch(r"https?://\S+|#\w+", piece or "-"):
                out.append(piece)
            else:
                out.append("".join("\\" + c if c in LITTLE_RESERVED else c for c in piece))
        return "".join(out)

    def _linkedin_headers_missing(self) -> bool:
        if not self.headers.get("LinkedIn-Version") or self.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            self._send(
                400,
                {
                    "message": "A required header LinkedIn-Version or X-Restli-Protocol-Version is missing",
                    "status": 400,
                },
            )
            return True
        return False

    def _linkedin_post(self, fields: dict[str, Any]) -> None:
        post = {
            "text": self._little_to_plain(str(fields.get("commentary", ""))),
            "commentary": fields.get("commentary", ""),
            "author": fields.get("author"),
            "content": fields.get("content"),
            "reply_to": None,
        }
        self._create(
            "linkedin", post, lambda p: {}, status=201, headers=lambda p: {"x-restli-id": f"urn:li:share:{p['id']}"}
        )

    def _linkedin_list(self, fields: dict[str, Any]) -> None:
        with self.server.state.lock:
            mine = [
                p
                for p in self.server.state.posts
                if p["platform"] == "linkedin" and p.get("reply_to") is None and p.get("author") == fields.get("author")
            ]
        newest = list(reversed(mine))
        start, count = int(fields.get("start", 0)), int(fields.get("count", 10))
        elements = [
            {
                "id": f"urn:li:share:{p['id']}",
                "author": p["author"],
                "commentary": self._little(p["text"]),
                "createdAt": int(datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")).timestamp() * 1000),
                "lifecycleState": "PUBLISHED",
            }
            for p in newest[start : start + count]
        ]
        self._send(200, {"elements": elements, "paging": {"start": start, "count": count, "total": len(newest)}})

    def _linkedin_comments(self, method: str, urn: str, fields: dict[str, Any]) -> None:
        if method == "POST":
            post = {
                "text": self._little_to_plain(str((fields.get("message") or {}).get("text", ""))),
                "reply_to": urn,
                "parent_comment": fields.get("parentComment"),
            }
            return self._create(
                "linkedin",
                post,
                lambda p: {"id": p["id"], "object": urn},
                status=201,
                headers=lambda p: {"x-restli-id": f"urn:li:comment:({urn},{p['id']})"},
            )
        with self.server.state.lock:
            mine = [p for p in self.server.state.posts if p["platform"] == "linkedin" and p.get("reply_to") == urn]
        elements = [
            {"id": p["id"], "$URN": f"urn:li:comment:({urn},{p['id']})", "message": {"text": self._little(p["text"])}}
            for p in reversed(mine)
        ]
        return self._send(200, {"elements": elements, "paging": {"start": 0, "count": len(elements)}})

    def _linkedin_edit(self, urn: str, fields: dict[str, Any]) -> None:
        if self.headers.get("X-RestLi-Method") != "PARTIAL_UPDATE":
            return self._send(400, {"message": "use X-RestLi-Method: PARTIAL_UPDATE", "status": 400})
        post = self._find(urn.rsplit(":", 1)[-1])
        if post is None:
            return self._send(404, {"message": "Not found", "status": 404})
        commentary = ((fields.get("patch") or {}).get("$set") or {}).get("commentary")
        with self.server.state.lock:
            post.setdefault("edits", []).append(post["text"])
            post["text"] = self._little_to_plain(str(commentary))
        return self._send(204, None)

    def _linkedin(self, method: str, path: str, fields: dict[str, Any], files: dict[str, Any]) -> None:
        from urllib.parse import unquote

        if method == "PUT" and path.startswith("/dms-uploads/"):
            with self.server.state.lock:
                body = files.get("body", b"")
                self.server.state.media[path.rsplit("/", 1)[-1]] = {
                    "id": path.rsplit("/", 1)[-1],
                    "size": len(body),
                    "data": base64.b64encode(body).decode(),
                }
            return self._send(201, {})
        if self._linkedin_headers_missing():
            return None
        if method == "POST" and path == "/rest/posts":
            return self._linkedin_post(fields)
        if method == "GET" and path == "/rest/posts" and fields.get("q") == "author":
            return self._linkedin_list(fields)
        if method == "POST" and path == "/rest/images" and fields.get("action") == "initializeUpload":
            with self.server.state.lock:
                image = self.server.state.new_id()
            base = f"http://{self.headers.get('Host')}"
            value = {
                "uploadUrl": f"{base}/dms-uploads/{image}",
                "image": f"urn:li:image:{image}",
                "uploadUrlExpiresAt": 0,
            }
            return self._send(200, {"value": value})
        match = re.match(r"^/rest/socialActions/([^/]+)/comments$", path)
        if match:
            return self._linkedin_comments(method, unquote(match.group(1)), fields)
        match = re.match(r"^/rest/posts/([^/]+)$", path)
        if method == "POST" and match:
            return self._linkedin_edit(unquote(match.group(1)), fields)
        match = re.match(r"^/rest/organizations/(\d+)$", path)
        if method == "GET" and match:
            organization = {
                "id": int(match.group(1)),
                "localizedName": "Cyngor Sir Powys",
                "vanityName": HANDLES["linkedin"],
                "description": {"localized": {"en_US": self._bio("linkedin")}, "preferredLocale": {"language": "en"}},
            }
            return self._send(200, organization)
        return self._send(404, {"message": f"no route {method} {path}", "status": 404})

    # -- Bluesky: login and profile per handle (the accounts check); the rest in fakeinbox.py ----------

    def _bluesky(self, method: str, path: str, fields: dict[str, Any]) -> None:
        name = path.rsplit("/", 1)[-1]
        if name == "com.atproto.server.createSession":
            handle = str(fields.get("identifier", HANDLE))
            did = DID if handle == HANDLE else f"did:plc:{handle}"
            session = {"did": did, "handle": handle, "accessJwt": jwt(), "refreshJwt": jwt(), "active": True}
            return self._send(200, session)
        if name == "app.bsky.actor.getProfile":
            actor = str(fields.get("actor", ""))
            handle = HANDLE if actor == DID else actor.removeprefix("did:plc:")
            did = DID if handle == HANDLE else f"did:plc:{handle}"
            return self._send(200, {"did": did, "handle": handle, "description": self._bio(f"bluesky:{handle}")})
        return super()._bluesky(method, path, fields)


def jwt() -> str:
    """A session token the atproto client accepts (it reads the expiry, never the signature)."""

    def enc(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": DID, "exp": int(time.time()) + 3600, "iat": int(time.time())}
    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims)}.c2ln"


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
