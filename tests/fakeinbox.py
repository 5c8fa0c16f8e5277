"""The read side of the fake platform server: what the public sends, for the replies inbox.

Mixed into ``fakeplatform.Handler``. Incoming messages are injected through
``POST /_inbox`` ({"messages": [{"platform", "text", "author", "reply_to",
"parent", "kind", "lang", "created_at", "visibility"}]}; ``platform`` is
``x``, ``facebook``, ``instagram``, ``mastodon`` or ``bluesky``) and served
in each platform's own shape and order, with its own pagination: Mastodon
notifications (``min_id``/``since_id``), X mentions (``since_id``,
``pagination_token``), Graph posts and media with their comments expanded
(``after``), Bluesky ``listNotifications`` (``cursor``). ``POST /_seed_ours``
puts one of "our" posts on a platform as if published by hand. ``POST
/_read_faults`` ({"script": [{"status": 429, "reset_in": 2}, {"status":
500}], "delay": s}) makes reads fail or slow; ``GET /_inbox`` shows each
message with its ``hidden`` flag. Bluesky (XRPC) is served here whole:
sessions, records (posts and threadgates), blobs and notifications.
"""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

DID = "did:plc:cyngor"
HANDLE = "cyngor.bsky.social"
PAGE_ID_OF_FAKE = "page"  # the name our own comments carry


def _jwt() -> str:
    def enc(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": DID, "exp": 4102444800, "iat": 1700000000, "scope": "com.atproto.access"}
    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims)}.c2ln"


def _page(
    items: list[Any], fields: dict[str, Any], size_key: str, default: int, token_key: str
) -> tuple[list[Any], str | None]:
    """A page of ``items`` from an offset token; the next token or None."""
    offset = int(fields.get(token_key) or 0)
    size = int(fields.get(size_key) or default)
    page = items[offset : offset + size]
    return page, (str(offset + size) if offset + size < len(items) else None)


def _numeric_id(name: str) -> str:
    """A stable numeric user id for a handle (X and the Graph API give numbers)."""
    return str(int.from_bytes(name.encode()[:7].ljust(7, b"\0"), "big"))


def _x_time(stamp: str) -> str:
    """X's form: milliseconds always given (tweepy insists)."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _graph_time(stamp: str) -> str:
    return stamp.replace("Z", "+0000")


class InboxRoutes:
    """Read endpoints and controls; ``self.server.state`` is the fake's shared state."""

    server: Any
    headers: Any
    path: str

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _rate_limited(self, platform: str, reset_in: float) -> None:  # pragma: no cover
        raise NotImplementedError

    def _create(
        self, platform: str, post: dict[str, Any], render: Any, idem: str | None = None
    ) -> None:  # pragma: no cover
        raise NotImplementedError

    def _new_media(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _fault(self, platform: str) -> tuple[str, Any] | None:  # pragma: no cover
        raise NotImplementedError

    # -- controls --------------------------------------------------------------------

    def _inbox_control(self, method: str, path: str, fields: dict[str, Any]) -> bool:
        state = self.server.state
        if path == "/_inbox" and method == "POST":
            created = []
            with state.lock:
                for item in fields.get("messages", []):
                    message = {
                        "id": state.new_id(),
                        "platform": item["platform"],
                        "text": item["text"],
                        "author": item.get("author", "dai"),
                        "author_id": item.get("author_id") or _numeric_id(item.get("author", "dai")),
                        "reply_to": item.get("reply_to"),
                        "parent": item.get("parent"),
                        "kind": item.get("kind", "reply" if item.get("reply_to") else "mention"),
                        "lang": item.get("lang"),
                        "visibility": item.get("visibility", "public"),
                        "created_at": item.get("created_at") or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                        "hidden": False,
                    }
                    state.incoming.append(message)
                    created.append(message["id"])
            self._send(200, {"ids": created})
            return True
        if path == "/_inbox":
            with state.lock:
                self._send(200, list(state.incoming))
            return True
        if path == "/_seed_ours" and method == "POST":  # one of "our" posts, as if published by hand
            with state.lock:
                state.posts.append({"created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"), **fields})
            self._send(200, {"ok": True})
            return True
        if path == "/_read_faults":
            with state.lock:
                state.read_script = list(fields.get("script", []))
                state.read_delay = float(fields.get("delay", 0))
            self._send(200, {"ok": True})
            return True
        return False

    def _read_gate(self, platform: str) -> bool:
        """Apply the next scripted read fault (True: answered with it) and the read delay."""
        state = self.server.state
        with state.lock:
            fault = state.read_script.pop(0) if state.read_script else None
            delay = state.read_delay
        if delay:
            time.sleep(delay)
        if fault is None:
            return False
        if fault.get("status") == 429:
            self._rate_limited(platform, float(fault.get("reset_in", 1)))
            return True
        bodies: dict[str, Any] = {
            "x": {"title": "Internal Server Error", "detail": "Internal Server Error"},
            "mastodon": {"error": "Internal Server Error"},
            "bluesky": {"error": "InternalServerError", "message": "Internal Server Error"},
        }
        default = {"error": {"message": "Internal error", "code": 2, "is_transient": True}}
        self._send(int(fault.get("status", 500)), bodies.get(platform, default))
        return True

    def _incoming(self, platform: str) -> list[dict[str, Any]]:
        """The platform's incoming messages, newest first."""
        with self.server.state.lock:
            found = [m for m in self.server.state.incoming if m["platform"] == platform]
        return sorted(found, key=lambda m: int(m["id"]), reverse=True)

    def _hide(self, message_id: str) -> bool:
        with self.server.state.lock:
            for message in self.server.state.incoming:
                if message["id"] == message_id:
                    message["hidden"] = True
                    return True
        return False

    # -- Mastodon ------------------------------------------------------------------------

    def _mastodon_notifications(self, fields: dict[str, Any]) -> None:
        if self._read_gate("mastodon"):
            return
        items = self._incoming("mastodon")  # newest first
        limit = min(80, int(fields.get("limit") or 40))
        if fields.get("min_id"):
            newer = [m for m in reversed(items) if int(m["id"]) > int(fields["min_id"])][:limit]
            chosen = list(reversed(newer))
        else:
            if fields.get("since_id"):
                items = [m for m in items if int(m["id"]) > int(fields["since_id"])]
            if fields.get("max_id"):
                items = [m for m in items if int(m["id"]) < int(fields["max_id"])]
            chosen = items[:limit]
        base = f"http://{self.headers.get('Host')}"
        self._send(200, [self._notification(m, base) for m in chosen])

    @staticmethod
    def _notification(message: dict[str, Any], base: str) -> dict[str, Any]:
        account = {
            "id": message["author_id"],
            "username": message["author"].split("@")[0],
            "acct": message["author"],
            "display_name": message["author"],
            "url": f"{base}/@{message['author']}",
        }
        status = {
            "id": message["id"],
            "uri": f"{base}/users/{message['author']}/statuses/{message['id']}",
            "url": f"{base}/@{message['author']}/{message['id']}",
            "content": f'<p><span class="h-card"><a href="{base}/@cyngor">@cyngor</a></span> {message["text"]}</p>',
            "created_at": message["created_at"],
            "language": message["lang"],
            "in_reply_to_id": message["reply_to"],
            "visibility": message["visibility"],
            "account": account,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "spoiler_text": "",
            "sensitive": False,
            "reblog": None,
        }
        return {
            "id": message["id"],
            "type": "mention",
            "created_at": message["created_at"],
            "account": account,
            "status": status,
        }

    # -- X ---------------------------------------------------------------------------------

    def _x_mentions(self, fields: dict[str, Any]) -> None:
        if self._read_gate("x"):
            return
        items = self._incoming("x")
        if fields.get("since_id"):
            items = [m for m in items if int(m["id"]) > int(fields["since_id"])]
        page, token = _page(items, fields, "max_results", 10, "pagination_token")
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if token:
            meta["next_token"] = token
        if not page:
            return self._send(200, {"meta": meta})
        data = []
        for m in page:
            tweet = {
                "id": m["id"],
                "text": f"@cyngor {m['text']}",
                "author_id": m["author_id"],
                "created_at": _x_time(m["created_at"]),
                "conversation_id": m["reply_to"] or m["id"],
                "lang": m["lang"] or "und",
                "edit_history_tweet_ids": [m["id"]],
            }
            if m["reply_to"]:
                kind = "quoted" if m["kind"] == "quote" else "replied_to"
                tweet["referenced_tweets"] = [{"type": kind, "id": m["reply_to"]}]
            data.append(tweet)
        users = [{"id": m["author_id"], "username": m["author"], "name": m["author"].title()} for m in page]
        self._send(200, {"data": data, "includes": {"users": users}, "meta": meta})

    # -- Graph (Facebook Page, Instagram) ---------------------------------------------------

    def _own_comments(self, parent: str) -> list[dict[str, Any]]:
        """Our own comments (answers, notices) under ``parent``, newest first."""
        with self.server.state.lock:
            mine = [p for p in self.server.state.posts if p.get("reply_to") == parent]
        return sorted(mine, key=lambda p: int(p["id"]), reverse=True)

    def _comment(self, m: dict[str, Any], children: dict[str, list[dict[str, Any]]] | None) -> dict[str, Any]:
        """A comment in Graph shape; on Instagram (``children``: replies by comment) with its replies nested."""
        comment: dict[str, Any] = {
            "id": m["id"],
            "message": m["text"],
            "text": m["text"],
            "created_time": _graph_time(m["created_at"]),
            "timestamp": _graph_time(m["created_at"]),
            "from": {"id": m["author_id"], "name": m["author"].title(), "username": m["author"]},
            "username": m["author"],
            "is_hidden": m["hidden"],
            "hidden": m["hidden"],
            "permalink_url": f"https://facebook.example/{m['reply_to']}?comment_id={m['id']}",
        }
        if m["parent"]:
            comment["parent"] = {"id": m["parent"]}
            comment["parent_id"] = m["parent"]
        elif children is not None:
            comment["replies"] = {"data": [self._comment(r, children) for r in children.get(m["id"], [])]}
        return comment

    def _mine_as_comment(self, post: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": post["id"],
            "message": post["text"],
            "text": post["text"],
            "created_time": _graph_time(post["created_at"]),
            "timestamp": _graph_time(post["created_at"]),
            "from": {"id": PAGE_ID_OF_FAKE, "name": "Cyngor", "username": "cyngor"},
            "username": "cyngor",
        }

    def _comments_of(self, target: str, instagram: bool) -> list[dict[str, Any]]:
        """Comments on a post or media, newest first: the public's (replies included on Facebook) and ours."""
        platform = "instagram" if instagram else "facebook"
        everything = self._incoming(platform)
        children: dict[str, list[dict[str, Any]]] = {}
        for m in everything:
            if m["parent"]:
                children.setdefault(m["parent"], []).append(m)
        theirs = [
            m
            for m in everything
            if (m["reply_to"] == target and not (instagram and m["parent"])) or m["parent"] == target
        ]
        items = [self._comment(m, children if instagram else None) for m in theirs]
        items += [self._mine_as_comment(p) for p in self._own_comments(target)]
        return sorted(items, key=lambda c: int(c["id"]), reverse=True)

    def _expanded(self, obj: dict[str, Any], fields: dict[str, Any], instagram: bool, page_id: str) -> dict[str, Any]:
        comments = self._comments_of(obj["id"], instagram)
        for comment in comments:
            if comment["from"]["id"] == PAGE_ID_OF_FAKE:
                comment["from"] = {"id": page_id, "name": "Cyngor", "username": "cyngor"}
        match = re.search(r"comments[^{]*?\.limit\((\d+)\)", fields.get("fields", ""))
        size = int(match.group(1)) if match else 25
        edge: dict[str, Any] = {"data": comments[:size]}
        if len(comments) > size:
            edge["paging"] = {"cursors": {"after": str(size)}, "next": "more"}
        platform = "instagram" if instagram else "facebook"
        times = [m["created_at"] for m in self._incoming(platform) if m["reply_to"] == obj["id"]]
        latest = max([obj["created_at"], *times])
        return {
            "id": obj["id"],
            "message": obj["text"],
            "caption": obj["text"],
            "created_time": _graph_time(obj["created_at"]),
            "updated_time": _graph_time(latest),
            "timestamp": _graph_time(obj["created_at"]),
            "permalink": f"https://instagram.example/p/{obj['id']}",
            "permalink_url": f"https://facebook.example/{obj['id']}",
            "comments": edge,
        }

    def _graph_listing(self, owner: str, fields: dict[str, Any], instagram: bool) -> None:
        """A Page's posts or an account's media, newest first, with their comments expanded."""
        if self._read_gate("graph"):
            return
        platform = "instagram" if instagram else "graph"
        with self.server.state.lock:
            mine = [p for p in self.server.state.posts if p["platform"] == platform and p.get("reply_to") is None]
        mine.sort(key=lambda p: int(p["id"]), reverse=True)
        page, token = _page(mine, fields, "limit", 25, "after")
        body: dict[str, Any] = {"data": [self._expanded(p, fields, instagram, owner) for p in page]}
        if token:
            body["paging"] = {"cursors": {"after": token}, "next": "more"}
        self._send(200, body)

    def _graph_comments(self, target: str, fields: dict[str, Any], edge: str) -> None:
        """GET /{id}/comments or /{id}/replies: the public's comments and ours, newest first, paged."""
        if self._read_gate("graph"):
            return
        with self.server.state.lock:
            media = any(p["id"] == target and p["platform"] == "instagram" for p in self.server.state.posts)
        comment = any(m["id"] == target for m in self._incoming("instagram"))
        items = self._comments_of(target, media or comment or edge == "replies")
        page, token = _page(items, fields, "limit", 25, "after")
        body: dict[str, Any] = {"data": page}
        if token:
            body["paging"] = {"cursors": {"after": token}, "next": "more"}
        self._send(200, body)

    def _instagram_write(self, method: str, parts: list[str], fields: dict[str, Any]) -> bool:
        """Instagram's container, publish and reply calls; True if handled."""
        state = self.server.state
        if method == "POST" and len(parts) == 2 and parts[1] == "media":
            with state.lock:
                container = {
                    "id": state.new_id(),
                    "caption": fields.get("caption", ""),
                    "children": fields.get("children"),
                }
                state.containers[container["id"]] = container
            self._send(200, {"id": container["id"]})
            return True
        if method == "POST" and len(parts) == 2 and parts[1] == "media_publish":
            with state.lock:
                container = state.containers.get(str(fields.get("creation_id")), {"caption": ""})
            self._create("instagram", {"text": container["caption"], "reply_to": None}, lambda p: {"id": p["id"]})
            return True
        if method == "POST" and len(parts) == 2 and parts[1] == "replies":
            self._create(
                "instagram", {"text": fields.get("message", ""), "reply_to": parts[0]}, lambda p: {"id": p["id"]}
            )
            return True
        return False

    def _graph_node(self, method: str, node: str, fields: dict[str, Any]) -> bool:
        """GET or POST on one id that is not one of our posts: containers, the account, the public's comments."""
        state = self.server.state
        hiding = fields.get("is_hidden") == "true" or fields.get("hide") == "true"
        if method == "POST" and hiding and self._hide(node):
            self._send(200, {"success": True})
            return True
        if method != "GET":
            return False
        requested = fields.get("fields", "")
        if node in state.containers and "status_code" in requested:
            self._send(200, {"status_code": "FINISHED", "id": node})
            return True
        if "permalink" in requested:
            self._send(200, {"id": node, "permalink": f"https://instagram.example/p/{node}"})
            return True
        if "username" in requested:
            self._send(200, {"id": node, "username": "cyngor"})
            return True
        return False

    # -- Bluesky (XRPC) ----------------------------------------------------------------------------

    def _bluesky(self, method: str, path: str, fields: dict[str, Any]) -> None:
        nsid = path.removeprefix("/xrpc/")
        state = self.server.state
        if nsid == "com.atproto.server.createSession":
            return self._send(
                200, {"did": DID, "handle": HANDLE, "accessJwt": _jwt(), "refreshJwt": _jwt(), "active": True}
            )
        if nsid == "app.bsky.actor.getProfile":
            return self._send(200, {"did": DID, "handle": HANDLE})
        if nsid == "com.atproto.repo.uploadBlob":
            media = self._new_media({}, {"blob": b""})
            blob = {"$type": "blob", "ref": {"$link": f"bafkrei{media['id']}"}, "mimeType": "image/jpeg", "size": 1}
            return self._send(200, {"blob": blob})
        if nsid == "com.atproto.repo.createRecord":
            return self._bluesky_create(fields)
        if nsid == "com.atproto.repo.putRecord":
            with state.lock:
                state.records[(fields["collection"], fields["rkey"])] = fields["record"]
            for uri in fields["record"].get("hiddenReplies") or []:
                self._hide(uri.rsplit("/", 1)[-1])
            return self._send(200, {"uri": f"at://{DID}/{fields['collection']}/{fields['rkey']}", "cid": "bafyreiput"})
        if nsid == "com.atproto.repo.getRecord":
            with state.lock:
                record = state.records.get((fields.get("collection"), fields.get("rkey")))
            if record is None:
                return self._send(
                    400, {"error": "RecordNotFound", "message": f"Could not locate record: {fields.get('rkey')}"}
                )
            uri = f"at://{DID}/{fields['collection']}/{fields['rkey']}"
            return self._send(200, {"uri": uri, "cid": f"bafyrei{fields['rkey']}", "value": record})
        if nsid == "app.bsky.notification.listNotifications":
            return self._bluesky_notifications()
        self._send(400, {"error": "MethodNotImplemented", "message": f"no method {nsid}"})

    def _bluesky_create(self, fields: dict[str, Any]) -> None:
        """createRecord with the fake's faults: a timeout creates the record, then answers too late."""
        state = self.server.state
        rkey, record = fields["rkey"], fields["record"]
        with state.lock:
            exists = (fields["collection"], rkey) in state.records
        if exists:
            return self._send(400, {"error": "InvalidRequest", "message": "Record already exists"})
        fault = self._fault("bluesky")
        action = fault[1] if fault else None
        if isinstance(action, dict) and action.get("status") == 429:
            return self._rate_limited("bluesky", float(action.get("reset_in", 1)))
        if isinstance(action, dict) and action.get("status", 200) >= 500:
            return self._send(int(action["status"]), {"error": "InternalServerError", "message": "Internal error"})
        reply = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        post = {
            "id": rkey,
            "text": record.get("text", ""),
            "language": (record.get("langs") or [None])[0],
            "reply_to": reply.rsplit("/", 1)[-1] if reply else None,
            "created_at": now,
            "platform": "bluesky",
        }
        with state.lock:
            state.records[(fields["collection"], rkey)] = record
            state.posts.append(post)
        if action == "timeout":
            time.sleep(state.timeout_sleep)
        self._send(200, {"uri": f"at://{DID}/{fields['collection']}/{rkey}", "cid": f"bafyrei{rkey}"})

    def _bluesky_notifications(self) -> None:
        if self._read_gate("bluesky"):
            return
        query = parse_qs(urlparse(self.path).query)
        reasons = set(query.get("reasons", [])) or {"reply", "mention", "quote"}
        items = [m for m in self._incoming("bluesky") if m["kind"] in reasons]
        fields = {k: v[0] for k, v in query.items()}
        page, token = _page(items, fields, "limit", 50, "cursor")
        notes = [self._bluesky_note(m) for m in page]
        self._send(200, {"notifications": notes, **({"cursor": token} if token else {})})

    def _bluesky_note(self, m: dict[str, Any]) -> dict[str, Any]:
        did = f"did:plc:{m['author_id']}"
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": m["text"], "createdAt": m["created_at"]}
        if m["lang"]:
            record["langs"] = [m["lang"]]
        if m["reply_to"] and m["kind"] == "reply":
            ours = {"uri": f"at://{DID}/app.bsky.feed.post/{m['reply_to']}", "cid": f"bafyrei{m['reply_to']}"}
            record["reply"] = {"root": ours, "parent": ours}
        if m["reply_to"] and m["kind"] == "quote":
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": f"at://{DID}/app.bsky.feed.post/{m['reply_to']}", "cid": "bafyreiq"},
            }
        return {
            "uri": f"at://{did}/app.bsky.feed.post/{m['id']}",
            "cid": f"bafyrei{m['id']}",
            "author": {"did": did, "handle": f"{m['author']}.bsky.social", "displayName": m["author"].title()},
            "reason": m["kind"],
            "record": record,
            "isRead": False,
            "indexedAt": m["created_at"],
        }
