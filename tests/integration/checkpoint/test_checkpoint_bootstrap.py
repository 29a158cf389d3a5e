"""bootstrap wires CachedPostgresSaver: PostgreSQL + Redis when configured, SQLite behind Valkey embedded."""

from __future__ import annotations

from pathlib import Path

from ckpt_support import delete_keys, isolated_schema, l2_chain
from redis.asyncio import Redis

from eco2.bootstrap import build_runtime
from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.postgres_l2 import PooledPostgresSaver
from eco2.settings import Settings


async def test_production_runtime_keeps_the_conversation_in_postgres(
    postgres_url: str, redis_url: str, unique_prefix: str, data_dir: Path
) -> None:
    redis = Redis.from_url(redis_url)
    try:
        async with isolated_schema(postgres_url, unique_prefix) as url:
            settings = Settings(
                data_dir=data_dir, database_url=url, redis_url=redis_url, checkpoint_prefix=unique_prefix,
                events_prefix=f"{unique_prefix}:events", domain_events_stream=f"{unique_prefix}:domain",
            )
            async with build_runtime(settings) as runtime:
                saver = runtime.workflow.graph.checkpointer
                assert isinstance(saver, CachedPostgresSaver)
                assert isinstance(saver.l2, PooledPostgresSaver)
                await runtime.workflow.run_turn("s1", "페트병은 어떻게 버려요?")
                second = await runtime.workflow.run_turn("s1", "뚜껑은요?")
                assert second.status == "completed"
                state = await runtime.workflow.graph.aget_state({"configurable": {"thread_id": "s1"}})
                assert len(state.values["history"]) == 2
            assert len(await l2_chain(url, "s1")) >= 2
    finally:
        await delete_keys(redis, f"{unique_prefix}:*")
        await delete_keys(redis, f"{unique_prefix}*")
        await redis.aclose()


async def test_embedded_runtime_puts_the_l1_in_front_of_sqlite(data_dir: Path) -> None:
    async with build_runtime(Settings(data_dir=data_dir)) as runtime:
        saver = runtime.workflow.graph.checkpointer
        assert isinstance(saver, CachedPostgresSaver)
        await runtime.workflow.run_turn("e1", "종이팩은 어디에 버려요?")
        state = await runtime.workflow.graph.aget_state({"configurable": {"thread_id": "e1"}})
        assert state.values["history"]
    assert (data_dir / "checkpoints.sqlite").exists()
