"""One error shape for every failure: ``{"error": {"code", "message"}}``, Korean messages, never HTML.

FastAPI's own handlers (404/405, validation, unhandled exceptions) are replaced so that clients parse a
single format and an unexpected bug still answers with JSON (500) instead of a stack trace.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from eco2.application.ports.chat_jobs import InvalidPageCursorError
from eco2.application.services.chat_jobs import ChatJobError, RateLimitedError
from eco2.presentation.http.auth import AuthenticationError
from eco2.presentation.http.metrics import HTTP_ERRORS

log = structlog.get_logger(__name__)


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    HTTP_ERRORS.labels(code=code).inc()
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the error statuses a route can answer."""
    described = {
        400: "잘못된 요청",
        401: "인증 실패",
        404: "찾을 수 없음",
        409: "현재 상태와 맞지 않는 요청",
        422: "입력 값 오류",
        429: "요청 한도 초과",
        503: "의존 서비스에 연결할 수 없음",
    }
    return {status: {"model": ErrorBody, "description": described[status]} for status in statuses}


_HTTP_CODES = {
    404: ("not_found", "요청한 주소를 찾을 수 없습니다."),
    405: ("method_not_allowed", "이 주소에서 허용되지 않는 메서드입니다."),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ChatJobError)
    async def _chat_job(_: Request, exc: ChatJobError) -> JSONResponse:
        headers = None
        if isinstance(exc, RateLimitedError):
            headers = {"Retry-After": str(max(1, round(exc.retry_after + 0.5)))}
        return error_response(exc.status, exc.code, str(exc), headers)

    @app.exception_handler(AuthenticationError)
    async def _auth(_: Request, exc: AuthenticationError) -> JSONResponse:
        return error_response(401, exc.code, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(InvalidPageCursorError)
    async def _cursor(_: Request, exc: InvalidPageCursorError) -> JSONResponse:
        return error_response(422, "invalid_cursor", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return error_response(400, "malformed_json", "요청 본문이 올바른 JSON이 아닙니다.")
        return error_response(422, "invalid_request", _describe(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http_unhandled_error", path=request.url.path)
        return error_response(500, "internal_error", "서버 내부 오류가 발생했습니다.")


def _describe(errors: Any) -> str:
    parts = []
    for error in list(errors)[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        parts.append(f"{where or '본문'}: {error.get('msg', '잘못된 값')}")
    return "입력 값이 올바르지 않습니다 — " + "; ".join(parts)
