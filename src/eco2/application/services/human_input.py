"""Checks a human's answer against the pending request before a paused job may continue (seed §4.2)."""

from __future__ import annotations

import math
from typing import Any

from eco2.application.ports.interaction import HumanInputRequest, InputType
from eco2.application.ports.turns import TurnRecord, TurnStatus


class ResumeError(Exception):
    """A resume that cannot proceed; the job is left as it was. ``code`` is stable for APIs."""

    code = "resume_error"


class UnknownJobError(ResumeError):
    code = "unknown_job"

    def __init__(self, job_id: str):
        super().__init__(f"알 수 없는 작업입니다: {job_id}")


class JobNotWaitingError(ResumeError):
    code = "job_not_waiting"

    def __init__(self, job_id: str, status: str):
        self.status = status
        super().__init__(f"작업 {job_id}은(는) 입력을 기다리고 있지 않습니다 (상태: {status}).")


class InputRequestExpiredError(ResumeError):
    code = "input_expired"

    def __init__(self, job_id: str):
        super().__init__(f"작업 {job_id}의 입력 요청이 만료되었습니다. 질문을 다시 보내 주세요.")


class InputAlreadyAnsweredError(ResumeError):
    code = "input_already_answered"

    def __init__(self, job_id: str):
        super().__init__(f"작업 {job_id}의 입력 요청은 이미 처리되었습니다.")


class InvalidHumanInputError(ResumeError):
    code = "invalid_input"


def check_waiting(
    job_id: str, job: TurnRecord | None, pending: HumanInputRequest | None
) -> HumanInputRequest:
    """The pending request of a job that may be resumed, or the reason it may not."""
    if job is None:
        raise UnknownJobError(job_id)
    if job.status is not TurnStatus.WAITING_HUMAN:
        raise JobNotWaitingError(job_id, job.status.value)
    if pending is None:
        raise InputRequestExpiredError(job_id)
    return pending


def parse_input(request: HumanInputRequest, value: Any) -> dict[str, float]:
    """The answer in the shape the waiting node expects; InvalidHumanInputError otherwise."""
    if request.input_type is InputType.LOCATION:
        return parse_location(value)
    raise InvalidHumanInputError(f"지원하지 않는 입력 종류입니다: {request.input_type}")


def parse_location(value: Any) -> dict[str, float]:
    if not isinstance(value, dict) or not {"latitude", "longitude"} <= value.keys():
        raise InvalidHumanInputError(
            '위치가 필요합니다: {"latitude": 위도, "longitude": 경도} 형태로 보내 주세요.'
        )
    latitude = _number(value["latitude"], "위도")
    longitude = _number(value["longitude"], "경도")
    if not -90 <= latitude <= 90:
        raise InvalidHumanInputError(f"위도는 -90에서 90 사이여야 합니다: {latitude}")
    if not -180 <= longitude <= 180:
        raise InvalidHumanInputError(f"경도는 -180에서 180 사이여야 합니다: {longitude}")
    return {"latitude": latitude, "longitude": longitude}


def _number(value: Any, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidHumanInputError(f"{label}는 숫자여야 합니다: {value!r}")
    return float(value)
