import pytest

from eco2.domain.messages import MAX_MESSAGE_CHARS, InvalidMessageError, validate_message


def test_strips_and_accepts_korean():
    assert validate_message("  페트병 어떻게 버려요?\n") == "페트병 어떻게 버려요?"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_message"),
        ("   \n\t ", "empty_message"),
        ("가" * (MAX_MESSAGE_CHARS + 1), "message_too_long"),
        ("페트병\x00", "control_character"),
        ("\x1b[31m빨강", "control_character"),
        (123, "invalid_type"),
    ],
)
def test_rejects_bad_messages(text, code):
    with pytest.raises(InvalidMessageError) as info:
        validate_message(text)
    assert info.value.code == code
    assert str(info.value)


def test_limit_is_inclusive():
    assert len(validate_message("가" * MAX_MESSAGE_CHARS)) == MAX_MESSAGE_CHARS
