"""Jitsi Meet settings, room names and room tokens (JWT, HS256), free of Flask and the db.

The claims follow the Jitsi token specification (jitsi-meet prosody plugins,
`doc/tokens.md`): iss = the app id, aud, sub = the domain, room, nbf/exp, context.user.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHM = "HS256"
# Jitsi treats room names case-insensitively, so a mixed-case token_urlsafe would be
# worth fewer bits than it looks; 20 random bytes as lower-case hex are 160 bits.
ROOM_BYTES = 20
# The room opens a little before the slot and stays open a little after it.
JOIN_BEFORE = dt.timedelta(minutes=15)
JOIN_AFTER = dt.timedelta(minutes=30)
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$")


class WrongRoom(jwt.InvalidTokenError):
    """A valid token, but for another room."""


@dataclass(frozen=True)
class JitsiSettings:
    """Where the Jitsi server is and, for token authentication, how to sign for it."""

    domain: str = "meet.jit.si"
    scheme: str = "https"  # http only for a loopback stand-in in tests
    app_id: str | None = None
    app_secret: str | None = None
    audience: str = "jitsi"

    def __post_init__(self) -> None:
        if not _DOMAIN.match(self.domain):
            raise ValueError(f"JITSI_DOMAIN must be a host name, optionally with :port, "
                             f"not {self.domain!r}")
        if self.scheme not in ("https", "http"):
            raise ValueError(f"JITSI_SCHEME must be https or http, not {self.scheme!r}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> JitsiSettings:
        return cls(domain=str(config.get("JITSI_DOMAIN") or "meet.jit.si").lower(),
                   scheme=str(config.get("JITSI_SCHEME") or "https"),
                   app_id=config.get("JITSI_APP_ID") or None,
                   app_secret=config.get("JITSI_APP_SECRET") or None,
                   audience=str(config.get("JITSI_AUDIENCE") or "jitsi"))

    @property
    def signs_tokens(self) -> bool:
        """Token authentication is on only when both the app id and the secret are set."""
        return bool(self.app_id and self.app_secret)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def script_url(self) -> str:
        """The IFrame API script, served by the Jitsi server itself."""
        return f"{self.origin}/external_api.js"

    @property
    def subject(self) -> str:
        """The `sub` claim: the XMPP domain, i.e. the host name without a port."""
        return self.domain.split(":", 1)[0]

    def room_url(self, room: str, token: str | None = None) -> str:
        """The room in a browser (or in the Jitsi app, which handles these links)."""
        return f"{self.origin}/{room}" + (f"?jwt={token}" if token else "")

    def app_url(self, room: str, token: str | None = None) -> str:
        """The room through the Jitsi Meet mobile app's own link scheme."""
        return f"org.jitsi.meet://{self.domain}/{room}" + (f"?jwt={token}" if token else "")


def new_room_name() -> str:
    """An unguessable room name (160 bits)."""
    return secrets.token_hex(ROOM_BYTES)


def join_window(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When the room is open for a slot: from JOIN_BEFORE the start to JOIN_AFTER the end."""
    return starts_at - JOIN_BEFORE, ends_at + JOIN_AFTER


def _epoch(moment: dt.datetime) -> int:
    """Seconds since the epoch; a naive datetime is taken as UTC (as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def mint_token(settings: JitsiSettings, *, room: str, user_id: str, name: str,
               moderator: bool, starts_at: dt.datetime, ends_at: dt.datetime,
               now: dt.datetime | None = None) -> str:
    """A token for one user in one room, valid only around the slot. Never stored.

    No e-mail address goes into the token: Jitsi would show it to the other side.
    """
    if not settings.signs_tokens:
        raise ValueError("Jitsi token authentication is not configured")
    opens, closes = join_window(starts_at, ends_at)
    claims = {
        "iss": settings.app_id,
        "aud": settings.audience,
        "sub": settings.subject,
        "room": room,
        "iat": _epoch(now or dt.datetime.now(dt.UTC)),
        "nbf": _epoch(opens),
        "exp": _epoch(closes),
        # Self-hosted Jitsi's token moderation plugin reads the top-level claim;
        # JaaS-style deployments read context.user.moderator. Both say the same.
        "moderator": moderator,
        "context": {"user": {"id": user_id, "name": name, "moderator": moderator}},
    }
    return jwt.encode(claims, settings.app_secret, algorithm=ALGORITHM)


def verify_token(settings: JitsiSettings, token: str, room: str) -> dict[str, Any]:
    """The token's claims if it is ours, current and for `room`; else jwt.InvalidTokenError.

    What a Jitsi server checks, for tests and for operators debugging a set-up.
    """
    if not settings.signs_tokens:
        raise ValueError("Jitsi token authentication is not configured")
    claims = jwt.decode(token, settings.app_secret, algorithms=[ALGORITHM],
                        audience=settings.audience, issuer=settings.app_id,
                        options={"require": ["iss", "aud", "sub", "room", "nbf", "exp"]})
    if claims["room"] != room:
        raise WrongRoom(f"the token is for another room, not {room!r}")
    if claims["sub"] != settings.subject:
        raise jwt.InvalidTokenError("the token is for another Jitsi domain")
    return claims
