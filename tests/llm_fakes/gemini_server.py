"""A server that speaks Gemini's REST format: ``models/{m}:generateContent`` and
``models/{m}:streamGenerateContent?alt=sse``, so the google-genai SDK runs unmodified against it.

By hand:

    .venv/bin/python -m tests.llm_fakes.gemini_server --port 8812
    ECO2_LLM_PROVIDERS=gemini GEMINI_API_KEY=x ECO2_GEMINI_BASE_URL=http://127.0.0.1:8812 eco2 ask "..."
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .script import Script


def create_app(script: Script) -> Starlette:
    async def models(request: Request) -> Response:
        model, _, method = request.path_params["target"].partition(":")
        if method not in {"generateContent", "streamGenerateContent"}:
            return JSONResponse(_error(404, "NOT_FOUND", f"unknown method {method}"), status_code=404)
        body = await request.json()
        body["_model"], body["_method"] = model, method
        fault = script.next_fault(body)
        if fault is not None and fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault is not None and fault.status is not None:
            error = fault.body or _error(fault.status, "UNAVAILABLE", f"scripted {fault.status}")
            return JSONResponse(error, status_code=fault.status, headers=fault.headers)
        prompt = _prompt(body)
        config = body.get("generationConfig") or {}
        if config.get("responseMimeType") == "application/json":
            return JSONResponse(_response(model, script.intent_text(prompt)))
        tokens = script.answer_tokens(prompt)
        if method == "generateContent":
            return JSONResponse(_response(model, "".join(tokens)))
        drop_after = fault.drop_after if fault is not None else None
        return StreamingResponse(_sse(model, tokens, drop_after), media_type="text/event-stream")

    return Starlette(routes=[Route("/{version}/models/{target}", models, methods=["POST"])])


def _prompt(body: dict[str, Any]) -> str:
    contents = body.get("contents") or [{}]
    parts = contents[-1].get("parts") or [{}]
    return "".join(str(part.get("text", "")) for part in parts)


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _response(model: str, text: str, finish: str | None = "STOP") -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "modelVersion": model, "usageMetadata": {"totalTokenCount": 1}}


async def _sse(model: str, tokens: list[str], drop_after: int | None) -> AsyncIterator[bytes]:
    for index, token in enumerate(tokens):
        if drop_after is not None and index >= drop_after:
            raise ConnectionAbortedError("scripted drop in the middle of the stream")
        last = index == len(tokens) - 1
        data = json.dumps(_response(model, token, "STOP" if last else None), ensure_ascii=False)
        yield b"data: " + data.encode() + b"\r\n\r\n"


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="fake Gemini API server (tests, demos)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8812)
    args = parser.parse_args()
    print(f"ECO2_GEMINI_BASE_URL=http://{args.host}:{args.port}", flush=True)
    uvicorn.run(create_app(Script()), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
