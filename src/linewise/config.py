"""Settings from the environment (prefix ``LINEWISE_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINEWISE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/linewise.db",
        description="SQLAlchemy URL; SQLite (embedded default) or postgresql+psycopg://...",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    # Demo mode allows the well-known demo passwords; never enable it on a real site.
    demo_mode: bool = False
    # Secure cookies need HTTPS; off by default so http://127.0.0.1 works out of the box.
    cookie_secure: bool = False
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_seconds: int = 300
    data_path: Path = Path("../shared/data")
    mqtt_url: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
