"""Fake OpenAI and Gemini servers on loopback, one pair per test, each with its own script."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from llm_fakes import gemini_server, openai_server
from llm_fakes.runner import ServerThread
from llm_fakes.script import Script


@dataclass
class FakeServer:
    script: Script
    url: str


@pytest.fixture
def openai_fake() -> Iterator[FakeServer]:
    script = Script()
    server = ServerThread(openai_server.create_app(script)).start()
    yield FakeServer(script, server.url + "/v1")
    server.stop()


@pytest.fixture
def gemini_fake() -> Iterator[FakeServer]:
    script = Script()
    server = ServerThread(gemini_server.create_app(script)).start()
    yield FakeServer(script, server.url)
    server.stop()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
