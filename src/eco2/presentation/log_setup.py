"""Structured logs (structlog) to stderr, with job and session ids bound where known."""

from __future__ import annotations

import logging
import sys

import structlog

from eco2.settings import Settings


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time, so a replaced stream never goes stale."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(settings: Settings) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.WARNING)
    logging.basicConfig(level=level, stream=_CurrentStderr(), format="%(message)s")  # type: ignore[arg-type]
    renderer = structlog.processors.JSONRenderer() if settings.log_json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
