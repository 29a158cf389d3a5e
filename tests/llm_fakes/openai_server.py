"""A server that speaks the OpenAI Chat Completions wire format, streaming included (SSE, [DONE]).

Run it by hand for ``eco2 ask`` against a "local model server":

    .venv/bin/python -m tests.llm_fakes.openai_server --port 8811
    ECO2_LLM_PROVIDERS=openai OPENAI_BASE_URL=http://127.0.0.1:8811/v1 eco2 ask "페트병 어떻게 버려요?"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .script import Fault, Script


def create_app(script: Script) -> Starlette:
    async def completions(request: Request) -> Response:
        body = await request.json()
        fault = script.next_fault(body)
        if fault is not None and fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault is not None and fault.status is not None:
            error = fault.body or {"error": {"message": f"scripted {fault.status}", "type": "server_error"}}
            return JSONResponse(error, status_code=fault.status, headers=fault.headers)
        prompt = _user_prompt(body)
        model = body.get("model", "fake")
        if body.get("response_format"):
            return JSONResponse(_completion(model, script.intent_text(prompt)))
        if not body.get("stream"):
            return JSONResponse(_completion(model, "".join(script.answer_tokens(prompt))))
        stream = _sse(model, script.answer_tokens(prompt), fault or Fault(), script.token_interval_s)
        return StreamingResponse(stream, media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def _user_prompt(body: dict[str, Any]) -> str:
    users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict[str, str], finish: str | None = None) -> bytes:
    data = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


async def _sse(model: str, tokens: list[str], fault: Fault, interval_s: float = 0.0) -> AsyncIterator[bytes]:
    yield _chunk(model, {"role": "assistant", "content": ""})
    for index, token in enumerate(tokens):
        if fault.drop_after is not None and index >= fault.drop_after:
            raise ConnectionAbortedError("scripted drop in the middle of the stream")
        if fault.error_after is not None and index >= fault.error_after:
            yield b'data: {"error": {"message": "scripted overload", "type": "server_error"}}\n\n'
            return
        if interval_s:
            await asyncio.sleep(interval_s)
        yield _chunk(model, {"content": token})
    yield _chunk(model, {}, "stop")
    yield b"data: [DONE]\n\n"


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="fake OpenAI-compatible chat server (tests, demos)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8811)
    args = parser.parse_args()
    print(f"OPENAI_BASE_URL=http://{args.host}:{args.port}/v1", flush=True)
    uvicorn.run(create_app(Script()), host=args.host, port=args.port, log_level="warning")


__all__ = ["Fault", "Script", "create_app"]

if __name__ == "__main__":
    main()
