"""Validation of what a user may send as one chat message."""

from __future__ import annotations

import unicodedata

MAX_MESSAGE_CHARS = 4000


class InvalidMessageError(ValueError):
    """The message cannot be answered as sent; ``code`` is stable for APIs."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def validate_message(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidMessageError("invalid_type", "메시지는 문자열이어야 합니다.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidMessageError(
            "message_too_long", f"메시지가 너무 깁니다: {len(text)}자 (최대 {MAX_MESSAGE_CHARS}자)."
        )
    for ch in text:
        if ch in "\n\t":
            continue
        category = unicodedata.category(ch)
        if category == "Cc" or category == "Cs":
            raise InvalidMessageError(
                "control_character", f"메시지에 제어 문자(U+{ord(ch):04X})가 있습니다."
            )
    stripped = text.strip()
    if not stripped:
        raise InvalidMessageError("empty_message", "메시지가 비어 있습니다.")
    return stripped
