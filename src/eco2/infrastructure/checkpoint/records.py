"""How a checkpoint and its pending writes are framed as bytes in the L1 cache.

A checkpoint entry is the saver's own ``serde.dumps_typed`` output for (checkpoint, metadata, parent id):
its type tag, a NUL, then the payload, so a cache hit costs one ``loads_typed`` on a view of the bytes
Redis returned, without copying them.
A write entry frames its sort key, task id, channel and the typed value bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import ormsgpack
from langgraph.checkpoint.base import Checkpoint, CheckpointMetadata, PendingWrite
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.types import _DeltaSnapshot

_INLINE = (str, int, float, bool)
_TAG_MAX = 32  # serde type tags are short ASCII names


class CorruptEntryError(ValueError):
    """An L1 entry that does not decode into the expected shape."""


@dataclass(frozen=True)
class CheckpointRecord:
    checkpoint: Checkpoint
    metadata: CheckpointMetadata
    parent_id: str | None


@dataclass(frozen=True)
class WriteRecord:
    sort_key: tuple[str, str, int]
    task_id: str
    channel: str
    value: Any


def normalize_metadata(metadata: CheckpointMetadata) -> CheckpointMetadata:
    """Round-trip metadata through JSON, as the PostgreSQL store does, so a hit equals a miss."""
    return cast(CheckpointMetadata, json.loads(json.dumps(metadata)))


def storable_checkpoint(checkpoint: Checkpoint) -> Checkpoint:
    """The checkpoint as the L2 store will give it back: values without a version are not kept."""
    versions = checkpoint["channel_versions"]
    values = {
        k: v
        for k, v in checkpoint["channel_values"].items()
        if v is None or isinstance(v, (*_INLINE, _DeltaSnapshot)) or k in versions
    }
    stored = dict(checkpoint)
    stored["channel_values"] = values
    return cast(Checkpoint, stored)


def split_blob_values(checkpoint: Checkpoint) -> tuple[Checkpoint, dict[str, Any]]:
    """Split a checkpoint as the PostgreSQL store keeps it: primitives stay inline in the checkpoint row,
    other values become blobs (a delta snapshot leaves a ``True`` marker behind)."""
    inline_values: dict[str, Any] = {}
    blobs: dict[str, Any] = {}
    for key, value in checkpoint["channel_values"].items():
        if isinstance(value, _DeltaSnapshot):
            blobs[key] = value
            inline_values[key] = True
        elif value is None or isinstance(value, _INLINE):
            inline_values[key] = value
        else:
            blobs[key] = value
    inline = dict(checkpoint)
    inline["channel_values"] = inline_values
    return cast(Checkpoint, inline), blobs


def encode_checkpoint(serde: SerializerProtocol, record: CheckpointRecord) -> bytes:
    kind, payload = serde.dumps_typed(
        {"checkpoint": record.checkpoint, "metadata": record.metadata, "parent": record.parent_id}
    )
    return b"".join((kind.encode("ascii"), b"\0", payload))


def decode_checkpoint(serde: SerializerProtocol, data: bytes | memoryview, checkpoint_id: str) -> CheckpointRecord:
    try:
        view = memoryview(data)
        split = bytes(view[:_TAG_MAX]).find(b"\0")
        if split <= 0:
            raise ValueError("no type tag")
        kind = bytes(view[:split]).decode("ascii")
        payload = view[split + 1:]
        # msgpack decodes straight from the view; other serde types expect bytes.
        body = serde.loads_typed((kind, payload if kind == "msgpack" else payload.tobytes()))  # type: ignore[arg-type]
        checkpoint, metadata, parent = body["checkpoint"], body["metadata"], body["parent"]
        valid = (
            isinstance(checkpoint, dict)
            and checkpoint.get("id") == checkpoint_id
            and isinstance(checkpoint.get("channel_values"), dict)
            and isinstance(checkpoint.get("channel_versions"), dict)
            and isinstance(metadata, dict)
            and (parent is None or isinstance(parent, str))
        )
    except Exception as exc:
        raise CorruptEntryError(f"checkpoint entry {checkpoint_id} does not decode: {exc}") from exc
    if not valid:
        raise CorruptEntryError(f"checkpoint entry {checkpoint_id} has an unexpected shape")
    return CheckpointRecord(cast(Checkpoint, checkpoint), cast(CheckpointMetadata, metadata), parent)


def encode_write(
    serde: SerializerProtocol, sort_key: tuple[str, str, int], task_id: str, channel: str, value: Any
) -> bytes:
    kind, payload = serde.dumps_typed(value)
    return ormsgpack.packb([*sort_key, task_id, channel, kind, payload])


def decode_writes(serde: SerializerProtocol, frames: Sequence[bytes]) -> list[PendingWrite]:
    records: list[WriteRecord] = []
    for frame in frames:
        try:
            path, sort_task, idx, task_id, channel, kind, payload = ormsgpack.unpackb(frame)
            records.append(
                WriteRecord((str(path), str(sort_task), int(idx)), str(task_id), str(channel),
                            serde.loads_typed((kind, payload)))
            )
        except Exception as exc:
            raise CorruptEntryError(f"pending write entry does not decode: {exc}") from exc
    records.sort(key=lambda r: r.sort_key)
    return [(r.task_id, r.channel, r.value) for r in records]
