"""``eco2 api``, ``eco2 worker`` and ``eco2 serve``: the HTTP service and the workers behind it.

``api`` and ``worker`` are separate deployables that share Redis (records, progress) and the queue;
``serve`` runs the API, a worker and the history consumer in one process for a single machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import structlog

from eco2.bootstrap import ServiceRuntime, build_history_consumer, build_service
from eco2.presentation.cli.errors import CliError
from eco2.settings import Settings

if TYPE_CHECKING:
    import uvicorn

    from eco2.presentation.worker import JobRunner

log = structlog.get_logger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(sub: argparse._SubParsersAction) -> None:
    api = sub.add_parser("api", help="HTTP API(SSE 포함)를 실행합니다")
    _http_options(api)
    api.set_defaults(handler=api_command)

    worker = sub.add_parser("worker", help="큐에서 채팅 작업을 받아 처리합니다")
    _concurrency_option(worker)
    worker.add_argument("--metrics-port", type=int, help="이 워커의 Prometheus 지표를 내보낼 포트")
    worker.set_defaults(handler=worker_command)

    serve = sub.add_parser("serve", help="API, 워커, 기록 소비자를 한 프로세스로 실행합니다 (웹 채팅 포함)")
    _http_options(serve)
    _concurrency_option(serve)
    serve.set_defaults(handler=serve_command)


def _http_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"바인딩할 주소 (기본: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"포트 (기본: {DEFAULT_PORT})")


def _concurrency_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, help="동시 작업 수 (기본: ECO2_WORKER_CONCURRENCY)")


def api_command(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_api(args, settings))


def worker_command(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_worker_process(args, settings))


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_serve(args, settings))


def _run(main: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop when it is installed: these processes spend their time in the event loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def _api(args: argparse.Namespace, settings: Settings) -> int:
    async with build_service(settings) as services:
        await _serve_http(services, args.host, args.port)
    return 0


async def _worker_process(args: argparse.Namespace, settings: Settings) -> int:
    concurrency = _concurrency(args, settings)
    async with build_service(settings, worker=True) as services:
        if args.metrics_port is not None:
            from prometheus_client import start_http_server

            start_http_server(args.metrics_port, addr=DEFAULT_HOST)
        stop = _stop_on_signals()
        started = f"워커 시작 (동시 작업 {concurrency}개, PID {os.getpid()}); 끝내려면 Ctrl-C"
        print(started, file=sys.stderr, flush=True)
        await _until(stop, [run_worker(services, concurrency)])
    return 0


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    concurrency = _concurrency(args, settings)
    async with build_service(settings, worker=True) as services:
        events = services.chat.events
        consumer = build_history_consumer(settings, events, f"{socket.gethostname()}-{os.getpid()}")
        stop = asyncio.Event()
        background = [
            run_worker(services, concurrency),
            consumer.run(stop, periodic=events.event_bus.relay),
        ]
        tasks = [asyncio.create_task(coroutine) for coroutine in background]
        try:
            await _serve_http(services, args.host, args.port)
        finally:
            stop.set()
            await _cancel(tasks)
    return 0


def _concurrency(args: argparse.Namespace, settings: Settings) -> int:
    concurrency = args.concurrency or settings.worker_concurrency
    if concurrency < 1:
        raise CliError("--concurrency는 1 이상이어야 합니다.")
    return concurrency


def job_runner(services: ServiceRuntime) -> JobRunner:
    from eco2.presentation.worker import JobRunner

    chat = services.chat
    return JobRunner(
        chat.workflow,
        services.jobs,
        services.queue,
        chat.notifier,
        timeout_s=services.settings.job_timeout_s,
        history=services.reader,
    )


async def run_worker(services: ServiceRuntime, concurrency: int) -> None:
    """Import the queue machinery here: the other eco2 commands should not pay for it at start-up."""
    from taskiq.acks import AcknowledgeType
    from taskiq.api.receiver import run_receiver_task

    from eco2.infrastructure.queue.taskiq_queue import register_job_handler

    runner = job_runner(services)

    async def run_job(job_id: str) -> None:
        await runner.run(job_id)

    register_job_handler(services.broker, run_job)
    await run_receiver_task(
        services.broker,
        max_async_tasks=concurrency,
        ack_time=AcknowledgeType.WHEN_EXECUTED,
        propagate_exceptions=False,
    )


async def _serve_http(services: ServiceRuntime, host: str, port: int) -> None:
    import uvicorn

    from eco2.presentation.http.app import create_app

    config = uvicorn.Config(
        create_app(services), host=host, port=port, lifespan="off", access_log=False, log_level="warning",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    announce = asyncio.create_task(_announce(server))
    try:
        await server.serve()
    except (OSError, SystemExit) as exc:
        raise CliError(f"HTTP 서버를 시작할 수 없습니다: {exc}", code=1) from None
    finally:
        announce.cancel()
    if not server.started:
        raise CliError(f"HTTP 서버를 시작할 수 없습니다 ({host}:{port}).", code=1)


async def _announce(server: uvicorn.Server) -> None:
    while not server.started:
        await asyncio.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    url = f"http://{shown}:{port}/"
    print(f"Eco² 서비스가 {url} 에서 실행 중입니다 (끝내려면 Ctrl-C)", file=sys.stderr, flush=True)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _until(stop: asyncio.Event, coroutines: list[Coroutine[Any, Any, None]]) -> None:
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
    await _cancel([*tasks, waiter])


async def _cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
