"""Who is calling: a Bearer API key from settings, or a JWT signed with the configured secret.

With neither configured (the embedded single-user mode) every request runs as the local user, no
token needed. A bad, unknown or expired token is always 401, never a fall-back to the local user.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

import jwt
from fastapi import Request

LOCAL_USER = "local"


class AuthenticationError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class Authenticator:
    def __init__(self, api_keys: Mapping[str, str], jwt_secret: str | None, *, jwt_algorithm: str = "HS256"):
        self._api_keys = dict(api_keys)
        self._jwt_secret = jwt_secret
        self._algorithm = jwt_algorithm

    @property
    def open(self) -> bool:
        """True in the embedded mode: nothing to check against."""
        return not self._api_keys and not self._jwt_secret

    def user_for(self, authorization: str | None) -> str:
        if self.open:
            return LOCAL_USER
        if not authorization:
            raise AuthenticationError("missing_token", "인증이 필요합니다: Authorization: Bearer <토큰>")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError(
                "invalid_token", "Authorization 헤더는 'Bearer <토큰>' 형식이어야 합니다."
            )
        for key, user in self._api_keys.items():
            if hmac.compare_digest(key.encode(), token.encode()):
                return user
        if self._jwt_secret:
            return self._user_from_jwt(token)
        raise AuthenticationError("invalid_token", "알 수 없는 토큰입니다.")

    def _user_from_jwt(self, token: str) -> str:
        secret = self._jwt_secret or ""
        try:
            claims = jwt.decode(
                token, secret, algorithms=[self._algorithm], options={"require": ["sub", "exp"]}
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("token_expired", "토큰이 만료되었습니다. 다시 로그인하세요.") from None
        except jwt.InvalidTokenError:
            raise AuthenticationError("invalid_token", "토큰을 확인할 수 없습니다.") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise AuthenticationError("invalid_token", "토큰에 사용자(sub)가 없습니다.")
        return subject


def current_user(request: Request) -> str:
    """FastAPI dependency: the caller's user id (raises AuthenticationError → 401)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.user_for(request.headers.get("authorization"))
