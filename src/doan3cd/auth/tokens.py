"""Credentials on the wire: signed login access tokens (JWT) and integration API tokens."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from doan3cd.api.i18n import Text
from doan3cd.api.problems import ProblemError
from doan3cd.config import Settings
from doan3cd.db.types import utcnow

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
API_TOKEN_PREFIX = "d3cd_"  # noqa: S105 - makes leaked tokens recognisable to secret scanners
API_TOKEN_SHOWN_PREFIX = 12


def _signing_key(settings: Settings) -> bytes:
    """A 256-bit key derived from the secret, used for nothing but access tokens."""
    return hashlib.sha256(b"doan3cd access token\0" + settings.secret_key.encode()).digest()


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int


def issue_access_token(
    user_id: uuid.UUID, settings: Settings, now: datetime | None = None
) -> AccessToken:
    issued = now or utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "jti": uuid.uuid4().hex,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": issued,
        "exp": issued + lifetime,
    }
    token = jwt.encode(claims, _signing_key(settings), algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=int(lifetime.total_seconds()))


def not_authenticated() -> ProblemError:
    return ProblemError(
        401,
        "not_authenticated",
        Text("Cần đăng nhập hoặc token hợp lệ.", "A valid login or API token is required."),
        headers={"WWW-Authenticate": "Bearer"},
    )


def token_expired() -> ProblemError:
    return ProblemError(
        401,
        "token_expired",
        Text("Token đã hết hạn; hãy đăng nhập lại.", "The token has expired; log in again."),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def token_revoked() -> ProblemError:
    return ProblemError(
        401,
        "token_revoked",
        Text("Token này đã bị thu hồi.", "This token has been revoked."),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def access_token_subject(token: str, settings: Settings) -> uuid.UUID:
    """The user id a valid access token speaks for; 401 problems otherwise."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(settings),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise token_expired() from None
    except jwt.InvalidTokenError:
        raise not_authenticated() from None
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise not_authenticated()
    try:
        return uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise not_authenticated() from None


def new_api_token_secret() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def api_token_hash(secret: str) -> str:
    """A fast hash is enough: the secret is 256 random bits, not a guessable password."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)
