"""CharacterClientPort over gRPC (character.v1.CharacterService)."""

from __future__ import annotations

import grpc
import structlog

from eco2.application.ports.character import CharacterClientPort, CharacterDTO, CharacterServiceError
from eco2.infrastructure.integrations.character.proto import character_pb2, character_pb2_grpc
from eco2.infrastructure.integrations.grpc_channel import describe_rpc_error, open_channel

log = structlog.get_logger(__name__)

SERVICE_NAME = "character.v1.CharacterService"


class CharacterGrpcClient(CharacterClientPort):
    """Holds one channel for its lifetime; every call carries the configured deadline."""

    def __init__(self, address: str, *, timeout_s: float = 0.5, max_attempts: int = 3):
        self._address = address
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._channel: grpc.aio.Channel | None = None
        self._stub: character_pb2_grpc.CharacterServiceStub | None = None

    def _get_stub(self) -> character_pb2_grpc.CharacterServiceStub:
        if self._stub is None:
            self._channel = open_channel(self._address, SERVICE_NAME, self._max_attempts)
            self._stub = character_pb2_grpc.CharacterServiceStub(self._channel)
        return self._stub

    async def get_character_by_waste_category(self, waste_category: str) -> CharacterDTO | None:
        request = character_pb2.GetByMatchRequest(match_label=waste_category)
        try:
            response = await self._get_stub().GetCharacterByMatch(request, timeout=self._timeout_s)
        except grpc.aio.AioRpcError as exc:
            log.warning("character_rpc_failed", rpc="GetCharacterByMatch", address=self._address,
                        code=exc.code().name)
            raise CharacterServiceError(describe_rpc_error(exc)) from exc
        if not response.found:
            return None
        return CharacterDTO(
            name=response.character_name,
            type_label=response.character_type,
            dialog=response.character_dialog,
            match_label=response.match_label,
            code=response.character_code,
        )

    async def get_default_character(self) -> CharacterDTO | None:
        request = character_pb2.GetDefaultCharacterRequest()
        try:
            response = await self._get_stub().GetDefaultCharacter(request, timeout=self._timeout_s)
        except grpc.aio.AioRpcError as exc:
            log.warning("character_rpc_failed", rpc="GetDefaultCharacter", address=self._address,
                        code=exc.code().name)
            raise CharacterServiceError(describe_rpc_error(exc)) from exc
        if not response.found:
            return None
        return CharacterDTO(
            name=response.character_name,
            type_label=response.character_type,
            dialog=response.character_dialog,
            match_label="",
            code=response.character_code,
        )

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._stub = None
