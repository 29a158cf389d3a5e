"""Errors the checkpoint saver raises to its callers."""

from __future__ import annotations


class CheckpointTooLargeError(ValueError):
    """A checkpoint (or a batch of writes) exceeds the configured size limit; nothing was written."""

    def __init__(self, what: str, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(
            f"{what} is {size} bytes serialized, over the {limit}-byte limit (ECO2_CHECKPOINT_MAX_BYTES); "
            "nothing was written"
        )


class CheckpointUnavailableError(RuntimeError):
    """Neither the L1 cache nor the L2 store could serve or durably accept an operation."""


class ThreadBusyError(RuntimeError):
    """Another worker holds the thread's turn lock for longer than we were willing to wait."""

    def __init__(self, thread_id: str, waited_s: float):
        self.thread_id = thread_id
        super().__init__(f"thread {thread_id!r} is busy with another turn (waited {waited_s:.1f}s)")


class SyncCheckpointCallError(NotImplementedError):
    """The cached saver is async only."""

    def __init__(self, method: str):
        super().__init__(
            f"CachedPostgresSaver.{method}() is not supported: the saver is async only. "
            f"Use `await saver.a{method}(...)` or `await graph.ainvoke(...)` / `graph.astream(...)`."
        )
