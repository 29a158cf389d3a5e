"""The ``eco2`` command line. Each command group lives in its own module and registers itself."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from collections.abc import Sequence

from eco2.presentation.cli import (
    chat_commands,
    checkpoint_commands,
    consume_commands,
    eval_commands,
    http_commands,
    kb_commands,
    resume_commands,
    service_commands,
)
from eco2.presentation.cli.errors import CliError
from eco2.presentation.log_setup import configure_logging
from eco2.settings import Settings

COMMAND_MODULES = (
    chat_commands, kb_commands, eval_commands, service_commands, resume_commands, consume_commands,
    http_commands, checkpoint_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eco2", description="Eco² 분리배출 도우미")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except Exception as exc:
        print(f"eco2: 설정 오류: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        outcome = args.handler(args, settings)
        if inspect.iscoroutine(outcome):
            outcome = asyncio.run(outcome)
    except CliError as exc:
        print(f"eco2: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    return int(outcome or 0)


if __name__ == "__main__":
    sys.exit(main())
