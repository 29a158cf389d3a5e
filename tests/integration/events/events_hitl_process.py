"""One side of the cross-process pause/resume test: ``ask SESSION JOB QUESTION`` or ``resume JOB LAT LON``.

Wired by bootstrap.build_events from the environment (ECO2_REDIS_URL, ECO2_DATA_DIR, prefixes), with the
real graph, a fake location service and a SQLite checkpoint file shared by both processes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from events_fakes import build_workflow
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from eco2.bootstrap import build_events
from eco2.infrastructure.interaction.redis_input_requester import RedisInputRequester
from eco2.settings import Settings


async def main(argv: list[str]) -> None:
    settings = Settings()
    async with build_events(settings) as events, AsyncSqliteSaver.from_conn_string(
        str(settings.checkpoint_path)
    ) as saver:
        await saver.setup()
        requester = RedisInputRequester(events.notifier, events.interactions)
        workflow = build_workflow(
            events.notifier, saver, requester=requester, store=events.interactions, turns=events.turns,
            bus=events.event_bus,
        )
        if argv[0] == "ask":
            result = await workflow.run_turn(argv[1], argv[3], job_id=argv[2])
        else:
            result = await workflow.resume(argv[1], {"latitude": float(argv[2]), "longitude": float(argv[3])})
    print(json.dumps(result.to_dict(), ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
