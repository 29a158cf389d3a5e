"""Configuration from ECO2_* environment variables (and the providers' usual key variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "eco2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECO2_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    kb_dir: Path | None = None
    kb_reload_s: float = Field(default=5.0, gt=0)  # how often a running service checks ECO2_KB_DIR for edits

    redis_url: str | None = None
    database_url: str | None = None

    checkpoint_prefix: str = "eco2:ckpt"
    checkpoint_l1_ttl_s: float = Field(default=3600.0, gt=0)
    checkpoint_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    checkpoint_pool_min_size: int = Field(default=1, ge=0)
    checkpoint_pool_max_size: int = Field(default=10, ge=1)
    checkpoint_pool_timeout_s: float = Field(default=5.0, gt=0)
    checkpoint_pool_check: bool = True
    checkpoint_pool_check_idle_s: float = Field(default=1.0, ge=0)
    checkpoint_prepare_threshold: int | None = 5
    checkpoint_lock_wait_s: float = Field(default=60.0, gt=0)
    checkpoint_replay_interval_s: float = Field(default=1.0, ge=0)
    checkpoint_thread_ttl_days: float | None = Field(default=None, gt=0)

    events_prefix: str = "chat:events"
    events_maxlen: int = Field(default=10_000, ge=100)
    events_ttl_s: int = Field(default=86_400, ge=60)
    events_publish_timeout_s: float = Field(default=0.5, gt=0)
    events_token_batch: int = Field(default=64, ge=1)
    events_token_flush_ms: float = Field(default=5.0, ge=0)
    domain_events_stream: str = "domain:events"
    consumer_group: str = "conversation-history"
    consumer_min_idle_ms: int = Field(default=30_000, ge=0)
    consumer_max_deliveries: int = Field(default=5, ge=1)
    input_timeout_s: int = Field(default=300, ge=10)

    llm_providers: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["local"])
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ECO2_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ECO2_OPENAI_BASE_URL")
    )
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY", "ECO2_GEMINI_API_KEY")
    )
    gemini_base_url: str | None = None
    openai_model_small: str = "gpt-4o-mini"
    openai_model_large: str = "gpt-4o"
    gemini_model_small: str = "gemini-2.5-flash-lite"
    gemini_model_large: str = "gemini-2.5-flash"
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0)
    llm_breaker_failures: int = Field(default=5, ge=1)
    llm_breaker_cooldown_s: float = Field(default=30.0, ge=0)

    character_addr: str | None = None
    location_addr: str | None = None
    character_timeout_s: float = 0.5
    location_timeout_s: float = 1.0
    grpc_max_attempts: int = Field(default=3, ge=1, le=5)

    log_level: str = "WARNING"
    log_json: bool = False

    # HTTP API and workers (issue 8)
    api_keys: SecretStr | None = None  # "key1:user1,key2:user2"
    jwt_secret: SecretStr | None = None
    rate_limit_per_minute: int = Field(default=30, ge=0)
    queue_url: str | None = None  # redis://… | amqp://… | memory://; default: the Redis URL
    queue_name: str = "eco2:jobs"
    queue_claim_idle_s: float = Field(default=30.0, gt=0)
    worker_concurrency: int = Field(default=50, ge=1)
    job_timeout_s: float = Field(default=120.0, gt=0)
    jobs_prefix: str = "eco2"
    sse_ping_s: int = Field(default=15, ge=1)

    @field_validator("checkpoint_prepare_threshold", "checkpoint_thread_ttl_days", mode="before")
    @classmethod
    def _none_words(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"", "none", "off"}:
            return None
        return value

    @field_validator("llm_providers", mode="before")
    @classmethod
    def _split_providers(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("llm_providers")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in {"openai", "gemini", "local"}]
        if unknown:
            raise ValueError(f"unknown LLM provider(s): {', '.join(unknown)} (use openai, gemini, local)")
        return value or ["local"]

    @property
    def api_key_map(self) -> dict[str, str]:
        """ECO2_API_KEYS as {token: user}; a malformed entry is a configuration error."""
        if self.api_keys is None:
            return {}
        mapping: dict[str, str] = {}
        for part in self.api_keys.get_secret_value().split(","):
            key, sep, user = part.strip().partition(":")
            if not part.strip():
                continue
            if not sep or not key.strip() or not user.strip():
                raise ValueError("ECO2_API_KEYS must look like 'key1:user1,key2:user2'")
            mapping[key.strip()] = user.strip()
        return mapping

    @property
    def jwt_secret_value(self) -> str | None:
        return self.jwt_secret.get_secret_value() if self.jwt_secret else None

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def embedded_db_path(self) -> Path:
        """SQLite for the outbox and conversation history when ECO2_DATABASE_URL is unset."""
        return self.data_dir / "eco2.sqlite"

    @property
    def valkey_dir(self) -> Path:
        """The embedded Valkey server's files when ECO2_REDIS_URL is unset."""
        return self.data_dir / "valkey"
