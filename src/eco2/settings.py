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

    redis_url: str | None = None
    database_url: str | None = None

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
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 3

    character_addr: str | None = None
    location_addr: str | None = None

    log_level: str = "WARNING"
    log_json: bool = False

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
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"
