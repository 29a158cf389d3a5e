"""L1 record framing, the L2-faithful checkpoint shape, and which PostgreSQL errors mean "unavailable"."""

from __future__ import annotations

import psycopg
import pytest
from langgraph.checkpoint.base import ERROR
from langgraph.checkpoint.conformance.test_utils import generate_checkpoint
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from psycopg_pool import PoolTimeout

from eco2.infrastructure.checkpoint.errors import CheckpointTooLargeError, SyncCheckpointCallError
from eco2.infrastructure.checkpoint.postgres_l2 import is_postgres_unavailable
from eco2.infrastructure.checkpoint.records import (
    CheckpointRecord,
    CorruptEntryError,
    decode_checkpoint,
    decode_writes,
    encode_checkpoint,
    encode_write,
    normalize_metadata,
    storable_checkpoint,
)

SERDE = JsonPlusSerializer()


def test_checkpoint_record_round_trips() -> None:
    checkpoint = generate_checkpoint(channel_values={"history": [{"q": "페트병", "a": "투명 페트"}], "n": 3},
                                     channel_versions={"history": "2.5", "n": "1.0"})
    record = CheckpointRecord(checkpoint, {"source": "loop", "step": 2}, "parent-1")
    decoded = decode_checkpoint(SERDE, encode_checkpoint(SERDE, record), checkpoint["id"])
    assert decoded == record


@pytest.mark.parametrize("data", [b"", b"\x93\x01\x02\x03", b"garbage that is not msgpack"])
def test_garbage_is_a_corrupt_entry(data: bytes) -> None:
    with pytest.raises(CorruptEntryError):
        decode_checkpoint(SERDE, data, "c1")


def test_a_record_for_another_checkpoint_is_corrupt() -> None:
    checkpoint = generate_checkpoint()
    data = encode_checkpoint(SERDE, CheckpointRecord(checkpoint, {}, None))
    with pytest.raises(CorruptEntryError, match="unexpected shape"):
        decode_checkpoint(SERDE, data, "some-other-id")


def test_writes_come_back_in_sort_key_order() -> None:
    frames = [
        encode_write(SERDE, ("b", "t2", 0), "t2", "reply", "second"),
        encode_write(SERDE, ("a", "t9", 1), "t9", "reply", {"x": 1}),
        encode_write(SERDE, ("a", "t9", -1), "t9", ERROR, "boom"),
    ]
    assert decode_writes(SERDE, frames) == [("t9", ERROR, "boom"), ("t9", "reply", {"x": 1}), ("t2", "reply", "second")]
    with pytest.raises(CorruptEntryError):
        decode_writes(SERDE, [b"\x01"])


def test_storable_checkpoint_drops_unversioned_objects_like_l2() -> None:
    checkpoint = generate_checkpoint(
        channel_values={"kept": ["obj"], "inline": "text", "none": None, "orphan": {"no": "version"}},
        channel_versions={"kept": "1"},
    )
    assert storable_checkpoint(checkpoint)["channel_values"] == {"kept": ["obj"], "inline": "text", "none": None}
    assert "orphan" in checkpoint["channel_values"]


def test_metadata_is_normalised_through_json() -> None:
    assert normalize_metadata({"step": 1, "parents": {"": "p"}, "pair": (1, 2)}) == {  # type: ignore[typeddict-unknown-key]
        "step": 1, "parents": {"": "p"}, "pair": [1, 2]
    }


def test_unavailability_is_connection_level_only() -> None:
    assert is_postgres_unavailable(PoolTimeout("no connection"))
    assert is_postgres_unavailable(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert is_postgres_unavailable(ConnectionRefusedError())
    assert not is_postgres_unavailable(psycopg.errors.SerializationFailure("retry"))
    assert not is_postgres_unavailable(psycopg.errors.UndefinedTable("no table"))
    assert not is_postgres_unavailable(ValueError("bad"))


def test_error_messages_tell_what_to_do() -> None:
    assert "ECO2_CHECKPOINT_MAX_BYTES" in str(CheckpointTooLargeError("checkpoint", 10, 5))
    assert "await saver.aput" in str(SyncCheckpointCallError("put"))
