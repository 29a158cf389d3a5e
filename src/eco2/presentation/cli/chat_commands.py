"""``eco2 ask`` and ``eco2 chat``: one question, a batch of questions, or a conversation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eco2.bootstrap import ChatRuntime, build_runtime
from eco2.domain.messages import InvalidMessageError, validate_message
from eco2.infrastructure.orchestration.langgraph.workflow import TurnFailedError, new_id
from eco2.presentation.cli.errors import CliError
from eco2.presentation.cli.progress_view import follow, printer
from eco2.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help="질문 하나에 답합니다")
    ask.add_argument("question", nargs="?", help="질문 (예: \"페트병 어떻게 버려요?\")")
    ask.add_argument("--session", help="이어서 대화할 세션 ID")
    ask.add_argument("--json", action="store_true", help="결과를 JSON 한 줄로 출력")
    ask.add_argument("--location", type=parse_location, metavar="LAT,LON",
                     help="내 위치 (예: 37.5665,126.9780); 주변 장소 질문에 씁니다")
    ask.add_argument("--batch", type=Path, metavar="FILE", help='JSON Lines 파일: {"q": "...", "session": "..."}')
    ask.set_defaults(handler=ask_command)

    chat = sub.add_parser("chat", help="대화형으로 질문합니다")
    chat.add_argument("--session", help="이어서 대화할 세션 ID")
    chat.set_defaults(handler=chat_command)


async def ask_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.batch is not None:
        if args.question is not None:
            raise CliError("--batch와 질문을 함께 줄 수 없습니다.")
        return await _batch(args.batch, settings)
    if args.question is None:
        raise CliError("질문을 입력하세요. 예: eco2 ask \"페트병 어떻게 버려요?\"")
    try:
        question = validate_message(args.question)
    except InvalidMessageError as exc:
        raise CliError(str(exc)) from None
    async with build_runtime(settings) as runtime:
        if args.json:
            record = await _answer_record(runtime, question, args.session or new_id(), args.location)
            print(json.dumps(record, ensure_ascii=False))
            return 0 if "error" not in record else 1
        job_id = new_id()
        session_id = args.session or new_id()
        turn = runtime.workflow.run_turn(session_id, question, job_id=job_id, user_location=args.location)
        result = await follow(runtime, job_id, turn, printer(sys.stdout, sys.stderr))
        print(f"\n(session: {result.session_id}, job: {job_id})", file=sys.stderr)
        if result.status == "waiting_human":
            print(_resume_hint(job_id), file=sys.stderr)
    return 0


def _resume_hint(job_id: str) -> str:
    return f"위치를 알려 주면 이어서 답합니다: eco2 resume {job_id} --location 위도,경도"


async def chat_command(args: argparse.Namespace, settings: Settings) -> int:
    session_id = args.session or new_id()
    async with build_runtime(settings) as runtime:
        print("에코에코 분리배출 도우미입니다. 버릴 물건을 물어보세요. (끝내려면 Ctrl-D 또는 /quit)")
        print(f"세션: {session_id}")
        show = printer(sys.stdout, sys.stdout)
        while True:
            try:
                line = input("\n나> ")
            except EOFError:
                print()
                break
            if line.strip() in {"/quit", "/exit"}:
                break
            try:
                question = validate_message(line)
            except InvalidMessageError as exc:
                print(f"! {exc}")
                continue
            print("에코> ", end="", flush=True)
            job_id = new_id()
            turn = runtime.workflow.run_turn(session_id, question, job_id=job_id)
            result = await follow(runtime, job_id, turn, show)
            print()
            if result.status == "waiting_human":
                print(_resume_hint(job_id))
    return 0


def parse_location(text: str) -> dict[str, float]:
    """``LAT,LON`` in decimal degrees, checked for range so a typo does not reach the services."""
    parts = text.split(",")
    try:
        latitude, longitude = (float(part) for part in parts)
    except ValueError:
        message = f"위치는 위도,경도 형식이어야 합니다 (예: 37.5665,126.9780): {text}"
        raise argparse.ArgumentTypeError(message) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise argparse.ArgumentTypeError(f"위도는 -90~90, 경도는 -180~180 사이여야 합니다: {text}")
    return {"latitude": latitude, "longitude": longitude}


async def _answer_record(
    runtime: ChatRuntime, question: str, session_id: str, location: dict[str, float] | None = None
) -> dict[str, Any]:
    job_id = new_id()
    try:
        result = await runtime.workflow.run_turn(session_id, question, job_id=job_id, user_location=location)
    except InvalidMessageError as exc:
        return {"session_id": session_id, "error": {"code": exc.code, "message": str(exc)}}
    except TurnFailedError as exc:
        return {"session_id": session_id, "job_id": job_id, "error": {"code": "internal_error", "message": str(exc)}}
    record = result.to_dict()
    if result.status == "completed":
        record.pop("status")
    record["events"] = [
        {k: v for k, v in event["payload"].items() if v is not None}
        for event in await runtime.events.progress.history(job_id)
        if event["event_type"] == "stage"
    ]
    return record


async def _batch(path: Path, settings: Settings) -> int:
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise CliError(f"배치 파일을 읽을 수 없습니다: {exc}") from None
    failures = 0
    async with build_runtime(settings) as runtime:
        for number, raw in enumerate(raw_lines, 1):
            if not raw.strip():
                continue
            request, problem = _parse_batch_line(raw)
            if problem is not None:
                failures += 1
                print(json.dumps({"line": number, "error": problem}, ensure_ascii=False), flush=True)
                continue
            assert request is not None
            record = await _answer_record(runtime, request["q"], request.get("session") or new_id())
            if "error" in record:
                failures += 1
            print(json.dumps({"line": number, **record}, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _parse_batch_line(raw: bytes) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, {"code": "invalid_utf8", "message": f"UTF-8이 아닌 바이트가 있습니다 (위치 {exc.start})."}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, {"code": "malformed_json", "message": f"JSON 형식이 잘못되었습니다: {exc.msg}"}
    if not isinstance(data, dict) or "q" not in data:
        return None, {"code": "missing_q", "message": '각 줄은 {"q": "질문"} 형태의 객체여야 합니다.'}
    session = data.get("session")
    if session is not None and (not isinstance(session, str) or not session.strip()):
        return None, {"code": "invalid_session", "message": "session은 비어 있지 않은 문자열이어야 합니다."}
    try:
        data["q"] = validate_message(data["q"])
    except InvalidMessageError as exc:
        return None, {"code": exc.code, "message": str(exc)}
    return data, None
