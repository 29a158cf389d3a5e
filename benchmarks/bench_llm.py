"""Overhead per streamed token of client + policy + chain + AnswerGenerator + Redis progress notifier.

The fake OpenAI-compatible server streams as fast as it can. The peer is a bare httpx read of the same
SSE stream (lines in, JSON parsed, content out); the subject is the real path a chat answer takes. Each
round measures both on the same stream; overhead per token = (subject - peer) / tokens.
Target: under 0.1 ms per token.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import httpx
from redis.asyncio import Redis

from benchmarks.stats import print_row
from eco2.application.ports.llm import ModelTier, TaskType
from eco2.application.services.answer_generator import AnswerGenerator
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier
from eco2.infrastructure.llm.clients.openai_client import OpenAIClient
from eco2.infrastructure.llm.policies.circuit_breaker import CircuitBreaker
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.llm.provider_chain import Provider, ProviderChain
from tests.llm_fakes.openai_server import create_app
from tests.llm_fakes.runner import ServerThread
from tests.llm_fakes.script import Script

TOKENS = 2000
ROUNDS = 30
GROUNDING = {"kind": "general", "topic": "other"}


async def _raw_read(http: httpx.AsyncClient, url: str) -> int:
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "벤치마크"}]}
    count = 0
    async with http.stream("POST", url + "/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            for choice in json.loads(line[6:])["choices"]:
                if choice["delta"].get("content"):
                    count += 1
    return count


async def main() -> None:
    script = Script(stream_tokens=TOKENS)
    server = ServerThread(create_app(script)).start()
    url = server.url + "/v1"
    policy = DefaultLLMPolicy({(t, m): "m" for t in TaskType for m in ModelTier})
    client = OpenAIClient("bench", base_url=url)
    chain = ProviderChain([Provider(client, CircuitBreaker("openai"))], policy)
    redis = Redis.from_url(os.environ.get("ECO2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    prefix = f"bench-llm-{uuid.uuid4().hex[:8]}"
    notifier = RedisProgressNotifier(redis, prefix=prefix, maxlen=TOKENS * 2)
    generator = AnswerGenerator(chain, policy, notifier)
    overhead, peer_per_token, subject_per_token = [], [], []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for round_no in range(ROUNDS + 3):
                start = time.perf_counter()
                tokens = await _raw_read(http, url)
                peer = time.perf_counter() - start

                job_id = f"bench-{round_no}"
                start = time.perf_counter()
                await generator.generate(job_id, "벤치마크", GROUNDING)
                await notifier.flush(job_id)
                subject = time.perf_counter() - start
                streamed = await redis.xlen(f"{prefix}:{job_id}")
                assert tokens == streamed == TOKENS, (tokens, streamed)
                if round_no < 3:  # warm-up: connections, imports, caches
                    continue
                peer_per_token.append(peer / TOKENS)
                subject_per_token.append(subject / TOKENS)
                overhead.append((subject - peer) / TOKENS)
    finally:
        await client.aclose()
        server.stop()
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await notifier.aclose()
        await redis.aclose()
    print(f"{TOKENS} tokens per stream, {ROUNDS} rounds (per token; target overhead < 0.1 ms)")
    print_row("peer: raw httpx SSE read", peer_per_token)
    print_row("subject: client+policy+chain+generator+notifier", subject_per_token)
    print_row("overhead (subject - peer)", overhead)
