"""``eco2 consume``: runs the conversation-history consumer on the domain event stream until told to stop.

SIGTERM or SIGINT lets the entry in hand finish, then the consumer exits; whatever it had read but not
finished stays pending and is claimed by another consumer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys

from eco2.bootstrap import build_events, build_history_consumer
from eco2.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    consume = sub.add_parser("consume", help="도메인 이벤트를 소비해 대화 기록을 저장합니다")
    consume.add_argument("--name", help="소비자 이름 (기본: 호스트명-PID)")
    consume.add_argument("--once", action="store_true", help="쌓인 이벤트만 처리하고 끝냅니다")
    consume.set_defaults(handler=consume_command)


async def consume_command(args: argparse.Namespace, settings: Settings) -> int:
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    async with build_events(settings) as events:
        consumer = build_history_consumer(settings, events, name)
        await consumer.ensure_group()
        if args.once:
            await events.event_bus.relay()
            total = 0
            while settled := await consumer.run_once():
                total += settled
            print(f"처리한 이벤트: {total}", file=sys.stderr)
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        started = f"소비자 {name} 시작 (그룹 {settings.consumer_group}); 끝내려면 Ctrl-C"
        print(started, file=sys.stderr, flush=True)
        await consumer.run(stop, periodic=events.event_bus.relay)
        print("소비자를 멈췄습니다.", file=sys.stderr)
    return 0
