"""``eco2 checkpoints prune`` and ``eco2 checkpoints replay``: retention and the PostgreSQL write queue."""

from __future__ import annotations

import argparse

from eco2.bootstrap import build_checkpoint_maintenance
from eco2.infrastructure.checkpoint.errors import CheckpointUnavailableError
from eco2.presentation.cli.errors import CliError
from eco2.settings import Settings


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("1 이상이어야 합니다")
    return value


def _positive_days(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("0보다 커야 합니다")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("checkpoints", help="대화 체크포인트 보존 정리와 복구")
    group_sub = group.add_subparsers(dest="checkpoints_command", required=True, metavar="CHECKPOINTS_COMMAND")
    prune = group_sub.add_parser(
        "prune",
        help="오래된 체크포인트를 지웁니다 (각 대화의 최신 체크포인트는 스레드 TTL로만 지워집니다)",
    )
    prune.add_argument("--keep-latest", type=_positive_int, metavar="N",
                       help="스레드·네임스페이스마다 최신 N개만 남깁니다")
    prune.add_argument("--older-than", type=_positive_days, metavar="DAYS",
                       help="DAYS일보다 오래된 체크포인트를 지웁니다")
    prune.add_argument("--thread-ttl-days", type=_positive_days, metavar="DAYS",
                       help="DAYS일 동안 쓰이지 않은 스레드를 통째로 지웁니다 "
                            "(기본: ECO2_CHECKPOINT_THREAD_TTL_DAYS)")
    prune.add_argument("--thread", action="append", dest="threads", metavar="THREAD_ID",
                       help="이 스레드만 정리합니다 (여러 번 줄 수 있음)")
    prune.set_defaults(handler=prune_command)
    replay = group_sub.add_parser("replay", help="PostgreSQL 장애 동안 Redis에 쌓인 쓰기를 지금 반영합니다")
    replay.set_defaults(handler=replay_command)


async def prune_command(args: argparse.Namespace, settings: Settings) -> int:
    ttl = args.thread_ttl_days if args.thread_ttl_days is not None else settings.checkpoint_thread_ttl_days
    if args.keep_latest is None and args.older_than is None and ttl is None:
        raise CliError("--keep-latest, --older-than, --thread-ttl-days 중 하나가 필요합니다 "
                       "(또는 ECO2_CHECKPOINT_THREAD_TTL_DAYS를 설정하세요)")
    if not settings.database_url:
        raise CliError("체크포인트 정리는 PostgreSQL 저장소가 필요합니다 (ECO2_DATABASE_URL)")
    async with build_checkpoint_maintenance(settings) as saver:
        try:
            report = await saver.apply_retention(
                keep_latest=args.keep_latest, older_than_days=args.older_than, thread_ttl_days=ttl,
                thread_ids=args.threads,
            )
        except CheckpointUnavailableError as exc:
            raise CliError(f"저장소에 연결할 수 없습니다: {exc}", code=1) from None
    print(f"삭제한 체크포인트 {report.checkpoints_deleted}개, 삭제한 스레드 {len(report.threads_deleted)}개, "
          f"정리한 스레드 {len(report.threads)}개")
    return 0


async def replay_command(args: argparse.Namespace, settings: Settings) -> int:
    async with build_checkpoint_maintenance(settings) as saver:
        applied = await saver.replay_pending()
        remaining = await saver.pending_count()
    print(f"반영한 쓰기 {applied}개, 남은 쓰기 {remaining}개")
    return 0 if remaining == 0 else 1
