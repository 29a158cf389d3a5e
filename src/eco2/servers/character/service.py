"""character.v1.CharacterService backed by the roster."""

from __future__ import annotations

import grpc
import structlog

from eco2.infrastructure.integrations.character.proto import character_pb2, character_pb2_grpc
from eco2.servers.character.roster import Roster

log = structlog.get_logger(__name__)

SERVICE_NAME = character_pb2.DESCRIPTOR.services_by_name["CharacterService"].full_name
MAX_LABEL_LENGTH = 100


class CharacterServicer(character_pb2_grpc.CharacterServiceServicer):
    def __init__(self, roster: Roster):
        self._roster = roster

    async def GetCharacterByMatch(
        self, request: character_pb2.GetByMatchRequest, context: grpc.aio.ServicerContext
    ) -> character_pb2.GetByMatchResponse:
        label = request.match_label.strip()
        if not label:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "match_label이 비어 있습니다")
        if len(label) > MAX_LABEL_LENGTH:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"match_label은 {MAX_LABEL_LENGTH}자 이하여야 합니다"
            )
        character = self._roster.match(label)
        log.debug("character_match", match_label=label, found=character is not None)
        if character is None:
            return character_pb2.GetByMatchResponse(found=False, match_label=label)
        return character_pb2.GetByMatchResponse(
            found=True,
            character_name=character.name,
            character_type=character.type,
            character_dialog=character.dialog,
            match_label=label,
            character_code=character.code,
        )

    async def GetDefaultCharacter(
        self, request: character_pb2.GetDefaultCharacterRequest, context: grpc.aio.ServicerContext
    ) -> character_pb2.GetDefaultCharacterResponse:
        character = self._roster.default
        return character_pb2.GetDefaultCharacterResponse(
            found=True,
            character_id=character.id,
            character_code=character.code,
            character_name=character.name,
            character_type=character.type,
            character_dialog=character.dialog,
        )


def character_registrar(roster: Roster):
    def register(server: grpc.aio.Server) -> None:
        character_pb2_grpc.add_CharacterServiceServicer_to_server(CharacterServicer(roster), server)

    return register
