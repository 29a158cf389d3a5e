"""One insecure grpc.aio channel per service, with UNAVAILABLE retried by the channel itself.

Retries live in the service config rather than in client code so every RPC on the channel gets the
same policy, and gRPC only retries when it is safe (before any response bytes arrived). Reconnect
backoff is kept short so a restarted server is picked up within a second or two.
"""

from __future__ import annotations

import json
from typing import Any

import grpc


def retry_service_config(service: str, max_attempts: int) -> str:
    policy = {
        "maxAttempts": max_attempts,
        "initialBackoff": "0.05s",
        "maxBackoff": "0.5s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    method: dict[str, Any] = {"name": [{"service": service}]}
    if max_attempts > 1:
        method["retryPolicy"] = policy
    return json.dumps({"methodConfig": [method]})


def channel_options(service: str, max_attempts: int) -> list[tuple[str, Any]]:
    return [
        ("grpc.enable_retries", 1 if max_attempts > 1 else 0),
        ("grpc.service_config", retry_service_config(service, max_attempts)),
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.min_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 1000),
    ]


def open_channel(address: str, service: str, max_attempts: int) -> grpc.aio.Channel:
    """Create the channel; it connects lazily on the first call and reconnects by itself."""
    return grpc.aio.insecure_channel(address, options=channel_options(service, max_attempts))


def describe_rpc_error(error: grpc.aio.AioRpcError) -> str:
    return f"{error.code().name}: {error.details() or ''}".strip()
