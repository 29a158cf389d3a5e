"""``eco2 resume``: answer a job that paused for input (until the HTTP API takes this over)."""

from __future__ import annotations

import argparse
import json
import sys

from eco2.application.services.human_input import ResumeError
from eco2.bootstrap import build_runtime
from eco2.infrastructure.orchestration.langgraph.workflow import TurnFailedError
from eco2.presentation.cli.chat_commands import parse_location
from eco2.presentation.cli.errors import CliError
from eco2.presentation.cli.progress_view import follow, printer
from eco2.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    resume = sub.add_parser("resume", help="입력을 기다리는 작업을 이어서 실행합니다")
    resume.add_argument("job_id", help="`eco2 ask`가 알려 준 작업 ID")
    resume.add_argument(
        "--location", type=parse_location, required=True, metavar="LAT,LON", help="위치 (예: 37.5665,126.978)"
    )
    resume.add_argument("--json", action="store_true", help="결과를 JSON 한 줄로 출력")
    resume.set_defaults(handler=resume_command)


async def resume_command(args: argparse.Namespace, settings: Settings) -> int:
    async with build_runtime(settings) as runtime:
        turn = runtime.workflow.resume(args.job_id, args.location)
        try:
            if args.json:
                result = await turn
            else:
                result = await follow(runtime, args.job_id, turn, printer(sys.stdout, sys.stderr))
        except ResumeError as exc:
            raise CliError(f"{exc} [{exc.code}]", code=1) from None
        except TurnFailedError as exc:
            raise CliError(str(exc), code=1) from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(f"\n(session: {result.session_id}, job: {result.job_id})", file=sys.stderr)
    return 0
