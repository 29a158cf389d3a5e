"""Bearer tokens: API keys from settings, HS256 JWTs with an enforced expiry, or the embedded local user."""

from __future__ import annotations

import time

import jwt
import pytest

from eco2.presentation.http.auth import LOCAL_USER, AuthenticationError, Authenticator
from eco2.settings import Settings

SECRET = "unit-test-secret-with-enough-length-for-hs256"
OTHER_SECRET = "another-secret-that-is-long-enough-32b"


def _jwt(claims: dict[str, object], secret: str = SECRET) -> str:
    return "Bearer " + jwt.encode(claims, secret, algorithm="HS256")


def test_embedded_mode_runs_as_the_local_user_without_a_token() -> None:
    assert Authenticator({}, None).user_for(None) == LOCAL_USER


def test_api_keys_and_jwts_name_their_user() -> None:
    auth = Authenticator({"k1": "alice"}, SECRET)
    assert auth.user_for("Bearer k1") == "alice"
    assert auth.user_for(_jwt({"sub": "bob", "exp": time.time() + 60})) == "bob"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_token"),
        ("Bearer", "invalid_token"),
        ("Token k1", "invalid_token"),
        ("Bearer unknown", "invalid_token"),
        (_jwt({"sub": "bob", "exp": time.time() - 5}), "token_expired"),
        (_jwt({"sub": "bob"}), "invalid_token"),
        (_jwt({"exp": time.time() + 60}), "invalid_token"),
        (_jwt({"sub": "bob", "exp": time.time() + 60}, secret=OTHER_SECRET), "invalid_token"),
    ],
)
def test_bad_tokens_are_refused(header: str | None, code: str) -> None:
    with pytest.raises(AuthenticationError) as refused:
        Authenticator({"k1": "alice"}, SECRET).user_for(header)
    assert refused.value.code == code


def test_api_keys_setting_is_parsed_and_checked() -> None:
    assert Settings(api_keys="a:alice, b:bob").api_key_map == {"a": "alice", "b": "bob"}  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        _ = Settings(api_keys="no-user-here").api_key_map  # type: ignore[arg-type]
