from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetByMatchRequest(_message.Message):
    __slots__ = ("match_label",)
    MATCH_LABEL_FIELD_NUMBER: _ClassVar[int]
    match_label: str
    def __init__(self, match_label: _Optional[str] = ...) -> None: ...

class GetByMatchResponse(_message.Message):
    __slots__ = ("found", "character_name", "character_type", "character_dialog", "match_label", "character_code")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_NAME_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_DIALOG_FIELD_NUMBER: _ClassVar[int]
    MATCH_LABEL_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_CODE_FIELD_NUMBER: _ClassVar[int]
    found: bool
    character_name: str
    character_type: str
    character_dialog: str
    match_label: str
    character_code: str
    def __init__(self, found: _Optional[bool] = ..., character_name: _Optional[str] = ..., character_type: _Optional[str] = ..., character_dialog: _Optional[str] = ..., match_label: _Optional[str] = ..., character_code: _Optional[str] = ...) -> None: ...

class GetDefaultCharacterRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDefaultCharacterResponse(_message.Message):
    __slots__ = ("found", "character_id", "character_code", "character_name", "character_type", "character_dialog")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_ID_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_CODE_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_NAME_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_DIALOG_FIELD_NUMBER: _ClassVar[int]
    found: bool
    character_id: str
    character_code: str
    character_name: str
    character_type: str
    character_dialog: str
    def __init__(self, found: _Optional[bool] = ..., character_id: _Optional[str] = ..., character_code: _Optional[str] = ..., character_name: _Optional[str] = ..., character_type: _Optional[str] = ..., character_dialog: _Optional[str] = ...) -> None: ...
