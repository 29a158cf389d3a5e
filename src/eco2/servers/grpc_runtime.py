"""A grpc.aio server with health checking, reflection and graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

log = structlog.get_logger(__name__)

Registrar = Callable[[grpc.aio.Server], None]


class GrpcServer:
    """Owns one grpc.aio.Server: ``start`` binds (port 0 picks a free port), ``stop`` drains calls."""

    def __init__(self, name: str, services: list[str], register: Registrar, host: str, port: int):
        self._name = name
        self._services = services
        self._register = register
        self._host = host
        self._requested_port = port
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self._host}:{self.port}"

    async def start(self) -> int:
        # so_reuseport off: a second server on a taken port must fail, not silently share it
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        self._register(server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        names = [*self._services, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                 reflection.SERVICE_NAME]
        reflection.enable_server_reflection(names, server)
        try:
            self.port = server.add_insecure_port(f"{self._host}:{self._requested_port}")
        except RuntimeError as exc:  # grpc reports a failed bind this way
            raise OSError(f"{self._host}:{self._requested_port}에 바인딩할 수 없습니다") from exc
        await server.start()
        self._server = server
        for service in ["", *self._services]:
            await self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        log.info("grpc_server_started", server=self._name, address=self.address)
        return self.port

    async def stop(self, grace_s: float = 5.0) -> None:
        """Report NOT_SERVING first so balancers drain, then let in-flight calls finish."""
        if self._server is None:
            return
        for service in ["", *self._services]:
            await self._health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.stop(grace_s)
        self._server = None
        log.info("grpc_server_stopped", server=self._name, address=self.address)

    async def serve_until_signal(
        self, grace_s: float = 5.0, on_started: Callable[[str], None] | None = None
    ) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        if on_started is not None:
            on_started(self.address)
        try:
            await stop.wait()
            log.info("grpc_server_stopping", server=self._name, grace_s=grace_s)
        finally:
            await self.stop(grace_s)
