"""Outbound Slack: the one configured WebClient, calls that need the bot in a channel, and cached lookups."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.client import HTTPException
from typing import Any, TypeVar
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse

log = logging.getLogger(__name__)
T = TypeVar("T")

# Calls that are safe to repeat when their outcome is unknown (a 5xx, a dropped connection): reads, and writes
# that set a state rather than add something. Anything else (chat.postMessage, chat.postEphemeral, files uploads,
# views.open…) may already have taken effect: repeating it blindly could post twice (DESIGN convention 7).
REPEATABLE_WRITES = frozenset({
    "chat.update", "chat.delete", "reactions.add", "reactions.remove", "views.publish", "views.update",
    "conversations.open", "conversations.join", "apps.connections.open",
})
READ_VERBS = frozenset({"test", "info", "list", "history", "replies", "members", "get", "lookupByEmail",
                        "getPermalink"})


def repeatable(method: str) -> bool:
    return method in REPEATABLE_WRITES or method.rsplit(".", 1)[-1] in READ_VERBS


def _method(request: HttpRequest) -> str:
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


class RepeatableCallRetryHandler(RetryHandler):
    """Retries a 5xx answer or a dropped connection, only for calls that are safe to repeat (see `repeatable`).
    The others raise, and their caller checks Slack before it tries again."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if response is not None:
            failed = response.status_code >= 500
        else:
            failed = isinstance(error, (URLError, ConnectionResetError))  # RemoteDisconnected is one too
        return failed and repeatable(_method(request))


_guard = threading.local()


@contextmanager
def checked_before_retry(check: Callable[[], None]) -> Iterator[None]:
    """While inside, this thread's calls run `check()` before the client repeats a call after a 429's wait; it
    raises to stop the repeat (a reminder's claim may have been lost while this process waited or was frozen)."""
    _guard.check = check
    try:
        yield
    finally:
        _guard.check = None


class RateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits for Retry-After and repeats the call (Slack took nothing from a 429), after `checked_before_retry`'s
    check if one is set."""

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)
        check = getattr(_guard, "check", None)
        if check is not None:
            check()


def make_client(*, token: str | None, base_url: str, timeout: int = 15) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[RateLimitRetryHandler(max_retry_count=4), RepeatableCallRetryHandler(max_retry_count=2)],
    )


# Errors after which Slack may have stored the message anyway ("it's possible some aspect of the operation
# succeeded", Slack's docs say): like a 5xx, they leave the outcome unknown.
UNSURE = frozenset({"internal_error", "fatal_error", "service_unavailable"})


def outcome_unknown(e: BaseException) -> bool:
    """Whether a failed call may have taken effect anyway (a 5xx, an "unsure" error, a timeout or a dropped
    connection): what it posted must be looked for in Slack before it is posted again."""
    if isinstance(e, SlackApiError):
        return e.response.status_code >= 500 or error_code(e) in UNSURE
    return isinstance(e, (OSError, HTTPException))


def error_code(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or e.response.status_code)
    except Exception:  # a response without a body
        return "unknown_error"


def in_channel(client: WebClient, channel: str, call: Callable[[], T]) -> T:
    """Make a call that needs the bot in `channel`; if it isn't, join (public channels) and try once more.

    Raises the original SlackApiError (`not_in_channel` for a private channel) when joining can't help.
    """
    try:
        return call()
    except SlackApiError as e:
        if error_code(e) not in ("not_in_channel", "channel_not_found"):
            raise
        try:
            client.conversations_join(channel=channel)
        except SlackApiError:
            raise e from None  # private channel, or no channels:join scope: the caller asks to be invited
        return call()


def post_message(client: WebClient, *, channel: str, **message: Any) -> str:
    """chat.postMessage into a channel (joining it if needed); returns the message ts."""
    return in_channel(client, channel, lambda: client.chat_postMessage(channel=channel, **message)["ts"])


def upload_file(client: WebClient, *, channel: str, content: bytes, filename: str, title: str, comment: str) -> str:
    """Slack's files upload v2 flow (getUploadURLExternal, upload, completeUploadExternal) into a channel;
    returns the file id."""
    done = in_channel(
        client,
        channel,
        lambda: client.files_upload_v2(
            channel=channel, content=content, filename=filename, title=title, initial_comment=comment
        ),
    )
    return done["files"][0]["id"]


def share_ts(client: WebClient, *, file_id: str, channel: str, attempts: int = 4, delay: float = 0.5) -> str | None:
    """The ts of the message that shared a file in a channel. Slack shares uploads asynchronously, so the
    file may show no share for a moment: ask a few times, then give up (None)."""
    for attempt in range(attempts):
        shares = client.files_info(file=file_id)["file"].get("shares") or {}
        for scope in ("public", "private"):
            found = (shares.get(scope) or {}).get(channel)
            if found:
                return found[0]["ts"]
        if attempt + 1 < attempts:
            time.sleep(delay * (attempt + 1))
    return None


def is_public(conversation: dict) -> bool:
    """A public channel, from conversations.info's conversation object. Anything else (a private channel, a group
    DM, a DM, or a shape we don't know) is not: DM objects carry `is_im` but no `is_private`."""
    return bool(conversation.get("is_channel")) and not any(
        conversation.get(flag) for flag in ("is_private", "is_im", "is_mpim", "is_group"))


class Directory:
    """Channel members, conversations and user records, cached for a while: status pages would otherwise ask Slack
    every time. Who may see a conversation is cached only briefly (`conversation_ttl`), so that someone removed
    from a private channel stops seeing its workshops within a minute."""

    def __init__(self, client: WebClient, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic,
                 conversation_ttl: float = 60.0):
        self._client = client
        self._ttl = ttl
        self._conversation_ttl = conversation_ttl
        self._clock = clock
        self._users: dict[str, tuple[float, dict]] = {}
        self._conversations: dict[str, tuple[float, dict]] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._home: str | None = None
        self._home_enterprise: str | None = None
        self._home_known = False
        self._bot_user: str | None = None

    def user(self, user_id: str) -> dict | None:
        now = self._clock()
        with self._lock:
            hit = self._users.get(user_id)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        try:
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            log.warning("users.info failed: %s", error_code(e))
            return None
        with self._lock:
            self._users[user_id] = (now, user)
        return user

    def cache_only(self) -> _CachedUsers:
        """The same users, never asking Slack (for code inside a database transaction)."""
        return _CachedUsers(self)

    def cached_user(self, user_id: str) -> dict | None:
        with self._lock:
            hit = self._users.get(user_id)
        return hit[1] if hit else None

    def channel_humans(self, channel_id: str, *, exclude: set[str], limit: int = 200) -> list[str] | None:
        """The people in a channel (bots and deactivated accounts left out), or None if Slack won't say."""
        members: list[str] = []
        try:
            for page in self._client.conversations_members(channel=channel_id, limit=200):
                members.extend(page["members"])
                if len(members) >= limit:
                    break
        except SlackApiError as e:
            log.warning("conversations.members failed: %s", error_code(e))
            return None
        people = []
        for m in members[:limit]:
            if m in exclude:
                continue
            u = self.user(m)
            if u is not None and (u.get("is_bot") or u.get("deleted") or m == "USLACKBOT"):
                continue
            people.append(m)
        return people

    def can_see(self, channel_id: str, user_id: str) -> bool:
        """Whether a person may see the workshops of a conversation: anyone in the workspace for a public channel,
        only its members for a private channel, group DM or DM. Asks Slack (conversations.info, then
        conversations.members), so call it before a transaction opens. When Slack won't say: no (fail closed)."""
        conversation = self._fresh(self._conversations, channel_id, "conversations.info",
                                   lambda: self._client.conversations_info(channel=channel_id)["channel"])
        if conversation is None:
            return False
        if is_public(conversation) and self.is_member_of_workspace(user_id):
            return True
        members = self._fresh(self._members, channel_id, "conversations.members",
                              lambda: frozenset(m for page in self._client.conversations_members(
                                  channel=channel_id, limit=200) for m in page["members"]))
        return members is not None and user_id in members

    def is_member_of_workspace(self, user_id: str) -> bool:
        """Whether a person is a full member of the bot's workspace, who may see its public channels. Someone from
        a partner organisation (a Slack Connect channel's other side) or a guest sees only the conversations they
        are in: nothing of the workspace's other workshops reaches them. When Slack won't say: no (fail closed)."""
        user = self.user(user_id)
        if user is None or user.get("is_restricted") or user.get("is_ultra_restricted") or user.get("is_stranger"):
            return False
        if not self._asked_home():
            return False
        if self._home is not None and user.get("team_id") == self._home:
            return True
        org = (user.get("enterprise_user") or {}).get("enterprise_id")  # Grid: any workspace of our own org
        return bool(org) and org == self._home_enterprise

    def _asked_home(self) -> bool:
        """The bot's own workspace and organisation (auth.test; an org-wide install names no workspace), asked
        once; False while Slack won't say."""
        if not self._home_known:
            try:
                answer = self._client.auth_test()
            except (SlackApiError, OSError) as e:
                log.warning("auth.test failed: %s", error_code(e) if isinstance(e, SlackApiError) else type(e).__name__)
                return False
            self._home, self._home_enterprise = answer.get("team_id"), answer.get("enterprise_id")
            self._bot_user = answer.get("user_id")
            self._home_known = True
        return True

    def bot_user(self) -> str | None:
        """The bot's own user id (auth.test, asked once), or None while Slack won't say."""
        return self._bot_user if self._asked_home() else None

    def audience(self, channel_id: str) -> tuple[bool, frozenset[str]] | None:
        """Who may see a conversation's workshops, as `can_see` decides: (public, members), where a public
        channel's are also everyone in the workspace. None when Slack won't say (a conversation the bot can't
        see: a private channel it isn't in, a DM between other people)."""
        conversation = self._fresh(self._conversations, channel_id, "conversations.info",
                                   lambda: self._client.conversations_info(channel=channel_id)["channel"])
        if conversation is None:
            return None
        members = self._fresh(self._members, channel_id, "conversations.members",
                              lambda: frozenset(m for page in self._client.conversations_members(
                                  channel=channel_id, limit=200) for m in page["members"]))
        return None if members is None else (is_public(conversation), members)

    def visible(self, channel_ids: Iterable[str], user_id: str) -> frozenset[str]:
        """Of these conversations, those whose workshops the person may see (see `can_see`)."""
        return frozenset(ch for ch in set(channel_ids) if self.can_see(ch, user_id))

    def _fresh(self, cache: dict[str, tuple[float, T]], channel_id: str, method: str,
               fetch: Callable[[], T]) -> T | None:
        now = self._clock()
        with self._lock:
            hit = cache.get(channel_id)
        if hit and now - hit[0] < self._conversation_ttl:
            return hit[1]
        try:
            value = fetch()
        except (SlackApiError, OSError) as e:  # OSError: network failures, once the client's retries are spent
            code = error_code(e) if isinstance(e, SlackApiError) else type(e).__name__
            log.warning("%s failed for %s: %s; its workshops count as not visible", method, channel_id, code)
            return None
        with self._lock:
            cache[channel_id] = (now, value)
        return value

class _CachedUsers:
    def __init__(self, directory: Directory):
        self._directory = directory

    def user(self, user_id: str) -> dict | None:
        return self._directory.cached_user(user_id)
