"""Every platform fact in one table: one frozen record per platform (docs/platforms.md).

Config validation, the adapter registry, length counting, the media and
``too-long`` rules and corrections (edit or reply) all read this table, so a
new platform is one record here and one adapter module, and a fact changed
here changes everywhere at once. No third-party import: ``publisher check``
reads it and must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Counting(StrEnum):
    """How a platform measures a text against its limit."""

    CHARACTERS = "characters"  # Unicode code points after NFC
    X_WEIGHTED = "x-weighted"  # twitter-text's weighted length, every URL 23
    GRAPHEMES = "graphemes"  # user-perceived characters (Bluesky)
    MASTODON = "mastodon"  # code points, every URL 23, a remote mention counts as its local part
    THREADS = "threads"  # code points, but an emoji counts as its UTF-8 bytes


@dataclass(frozen=True)
class Credential:
    """An environment variable ``<credentials_env>_<name>``; ``option``: an account option that may give it instead.

    Only identifiers (a Page id, a user id) may come from an option; secrets
    come from the environment alone (docs/configuration.md "Credentials").
    """

    name: str
    option: str | None = None


@dataclass(frozen=True)
class PlatformSpec:
    """What the rest of the publisher needs to know about one platform."""

    name: str
    title: str  # as people write it in messages
    adapter: str  # the module holding the adapter class (imported only when an account uses it)
    text_limit: int | None  # None: no limit
    counting: Counting
    image_formats: frozenset[str]  # by content, not extension: jpeg, png, gif, webp
    image_max_bytes: int | None
    images_per_post: int | None
    image_max_pixels: int | None = None  # width x height the platform takes; larger images are scaled down
    image_aspect: tuple[float, float] | None = None  # (narrowest, widest) width/height it takes; None: any
    animated_gif: bool = True  # an animated GIF keeps moving; False: it is refused (only still images)
    hashtag_cap: int | None = None
    link_cap: int | None = None
    alt_text_limit: int | None = None
    can_edit: bool = False  # a published post's text can be replaced (corrections edit in place)
    edit_window_minutes: int | None = None  # edits only this long after publishing (None: any time)
    can_reply: bool = True  # a post can answer another (thread strategy, corrections)
    language_field: str | None = None  # the field that carries the language tag, if the platform has one
    options: tuple[str, ...] = ()  # account options this platform reads, beyond the common ones
    credentials: tuple[Credential, ...] = ()
    needs_api_base: bool = False  # no default host: the account must give api_base
    needs_media: bool = False  # no text-only posts
    default_path: str = ""  # platforms writing files (option ``path``): the default folder; {account} is its name
    resend_safety: str = ""  # what keeps a resend after an unknown outcome from posting twice
    token_expiry: bool = False  # the platform says when the account's token expires (accounts check)
    can_audit_profile: bool = False  # the account's bio can be read (accounts check, policy 9.6)
    inbox: str = ""  # what the replies inbox collects from this platform ("": nothing; docs/inbox.md)
    can_hide: bool = False  # a comment or reply can be hidden from public view (policy 12)
    paid_reads: bool = False  # reading costs money: collecting is opt-in per account, with a daily cap
    reply_mentions_author: bool = False  # a reply reaches its addressee only if it names them (@handle)

    @property
    def can_collect(self) -> bool:
        """Whether the replies inbox can read this platform's replies, comments or mentions."""
        return bool(self.inbox)


ALL_IMAGES = frozenset({"jpeg", "png", "gif", "webp"})
MIB = 1024 * 1024

SPECS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        PlatformSpec(
            name="x",
            title="X",
            adapter="publisher.platforms.x",
            text_limit=280,
            counting=Counting.X_WEIGHTED,
            image_formats=ALL_IMAGES,
            image_max_bytes=5 * MIB,
            images_per_post=4,
            image_max_pixels=8192 * 8192,
            alt_text_limit=1000,
            can_edit=True,
            edit_window_minutes=30,
            can_audit_profile=True,
            credentials=(
                Credential("API_KEY"),
                Credential("API_SECRET"),
                Credential("ACCESS_TOKEN"),
                Credential("ACCESS_TOKEN_SECRET"),
            ),
            resend_safety="the account's posts since the first attempt are searched for the exact text "
            "(t.co links and HTML escaping allowed for) before any resend",
            inbox="posts that mention the account (replies and quotes included)",
            paid_reads=True,
        ),
        PlatformSpec(
            name="facebook",
            title="Facebook",
            adapter="publisher.platforms.facebook",
            text_limit=63206,
            counting=Counting.CHARACTERS,
            image_formats=ALL_IMAGES,
            image_max_bytes=10 * MIB,
            images_per_post=None,
            animated_gif=False,
            can_edit=True,
            token_expiry=True,
            can_audit_profile=True,
            options=("page_id", "graph_version"),
            credentials=(Credential("PAGE_TOKEN"), Credential("PAGE_ID", option="page_id")),
            resend_safety="the Page's posts (or the comments answered) since the first attempt are searched "
            "for the exact text before any resend",
            inbox="comments and replies on the Page's posts",
            can_hide=True,
        ),
        PlatformSpec(
            name="instagram",
            title="Instagram",
            adapter="publisher.platforms.instagram",
            text_limit=2200,
            counting=Counting.CHARACTERS,
            image_formats=frozenset({"jpeg"}),
            image_max_bytes=8 * MIB,
            images_per_post=10,
            image_aspect=(4 / 5, 1.91),
            animated_gif=False,
            hashtag_cap=5,
            token_expiry=True,
            can_audit_profile=True,
            options=("ig_user_id", "media_base_url", "media_folder", "graph_version"),
            credentials=(Credential("ACCESS_TOKEN"), Credential("USER_ID", option="ig_user_id")),
            needs_media=True,
            resend_safety="the account's media since the first attempt are searched for the exact caption "
            "before any resend",
            inbox="comments and replies on the account's media",
            can_hide=True,
        ),
        PlatformSpec(
            name="bluesky",
            title="Bluesky",
            adapter="publisher.platforms.bluesky",
            text_limit=300,
            counting=Counting.GRAPHEMES,
            image_formats=ALL_IMAGES,
            image_max_bytes=1_000_000,
            images_per_post=4,
            animated_gif=False,
            alt_text_limit=2000,
            language_field="langs",
            can_audit_profile=True,
            credentials=(Credential("HANDLE"), Credential("APP_PASSWORD")),
            resend_safety="the record key is derived from the delivery's idempotency key, so a resend names "
            "the same record and reconciling is one getRecord",
            inbox="replies, mentions and quotes (notifications)",
            can_hide=True,
        ),
        PlatformSpec(
            name="mastodon",
            title="Mastodon",
            adapter="publisher.platforms.mastodon",
            text_limit=500,
            counting=Counting.MASTODON,
            image_formats=ALL_IMAGES,
            image_max_bytes=16 * MIB,
            images_per_post=4,
            image_max_pixels=4096 * 4096,
            alt_text_limit=1500,
            can_edit=True,
            language_field="language",
            can_audit_profile=True,
            credentials=(Credential("ACCESS_TOKEN"),),
            needs_api_base=True,
            resend_safety="the delivery's idempotency key goes as Idempotency-Key, and the account's statuses "
            "since the first attempt are searched before any resend",
            inbox="mentions, replies included (notifications)",
            reply_mentions_author=True,
        ),
        PlatformSpec(
            name="threads",
            title="Threads",
            adapter="publisher.platforms.threads",
            text_limit=500,
            counting=Counting.THREADS,
            image_formats=frozenset({"jpeg", "png"}),
            image_max_bytes=8 * MIB,
            images_per_post=20,
            image_aspect=(1 / 10, 10.0),
            animated_gif=False,
            link_cap=5,
            alt_text_limit=1000,
            token_expiry=True,
            can_audit_profile=True,
            options=("threads_user_id", "media_base_url", "media_folder", "threads_version"),
            credentials=(Credential("ACCESS_TOKEN"),),
            resend_safety="the account's threads (or its replies) since the first attempt are searched for the "
            "exact text before any resend; a container is published at most once, in the call that made it",
        ),
        PlatformSpec(
            name="linkedin",
            title="LinkedIn",
            adapter="publisher.platforms.linkedin",
            text_limit=3000,
            counting=Counting.CHARACTERS,
            image_formats=frozenset({"jpeg", "png", "gif"}),
            image_max_bytes=5 * MIB,
            images_per_post=20,
            image_max_pixels=36_152_320,
            alt_text_limit=4086,
            can_edit=True,
            can_audit_profile=True,
            options=("organization_id", "linkedin_version", "credentials_expire_on"),
            credentials=(Credential("ACCESS_TOKEN"), Credential("ORGANIZATION_ID", option="organization_id")),
            resend_safety="the organization's posts (or the comments on the post answered) since the first "
            "attempt are searched for the exact text before any resend",
        ),
        PlatformSpec(
            name="feed",
            title="the feed",
            adapter="publisher.platforms.feed",
            text_limit=None,
            counting=Counting.CHARACTERS,
            image_formats=ALL_IMAGES,
            image_max_bytes=None,
            images_per_post=None,
            can_edit=True,
            language_field="xml:lang",
            options=("path", "base_url", "title_cy", "title_en", "max_entries"),
            default_path="feeds/{account}",
            resend_safety="each entry is keyed by the delivery's idempotency key; a resend replaces the entry "
            "it wrote, never adds a second",
        ),
        PlatformSpec(
            name="outbox",
            title="the outbox",
            adapter="publisher.platforms.outbox",
            text_limit=None,
            counting=Counting.CHARACTERS,
            image_formats=ALL_IMAGES,
            image_max_bytes=None,
            images_per_post=None,
            can_edit=True,
            options=("path",),
            default_path="outbox",
            resend_safety="each file is named after the delivery's idempotency key; a resend finds the file it wrote",
        ),
    )
}


def spec(platform: str) -> PlatformSpec:
    """The record for ``platform`` (config validation guarantees it exists for every configured account)."""
    return SPECS[platform]
