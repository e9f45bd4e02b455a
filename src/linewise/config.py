"""Settings from the environment (prefix ``LINEWISE_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


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
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto headers are believed
    # (comma-separated IPs or networks). Empty: the peer address is the client, so nobody
    # can dodge sign-in throttling by sending the header himself.
    trusted_proxies: str = ""
    data_path: Path = Path("../shared/data")
    # The audit chain's head, kept outside the database so that removing its last records
    # or rewriting it is detected (docs/security.md); keep it where the database's users
    # cannot write, and back it up with the database. Empty: no checkpoint.
    audit_checkpoint: Annotated[Path | None, BeforeValidator(_empty_is_none)] = Path(
        "var/audit-checkpoint.json"
    )
    # MQTT ingest: mqtt://user:password@host:1883 or mqtts://host:8883; unset = no broker.
    mqtt_url: str | None = None
    mqtt_client_id: str | None = Field(
        default=None,
        description="persistent session id; default linewise-<host>-<port> so a restarted "
        "process gets the messages it had not acknowledged",
    )
    mqtt_share_group: str = Field(
        default="",
        description="empty: a plain subscription kept in the persistent session, for one "
        "consuming process; a name: processes in that group split the messages "
        "($share/<group>/...), lossless only on a broker that persists shared "
        "subscriptions (docs/ingest.md)",
    )
    mqtt_ca_file: Path | None = None
    # Events stamped further ahead than this are refused (a device clock gone wrong).
    ingest_max_future_s: int = 300
    # Events stamped longer ago than this are quarantined: a clock reset to 1970 must not
    # rewrite a machine's history. A month covers an edge agent replaying a long outage.
    ingest_max_past_s: int = Field(
        default=30 * 86_400,
        ge=0,
        le=10 * 365 * 86_400,
        description="oldest event accepted, in seconds before now (else quarantined)",
    )
    ingest_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1,
        description="largest ingest request body, in bytes (else 413, refused while it arrives)",
    )
    ingest_max_pending_events: int = 200_000
    # Seconds between background KPI rollup refreshes (run when ingest is quiet); 0 = off.
    kpi_refresh_s: float = 60.0
    # Spreadsheet imports (POST /import/{sheet} and `linewise import`) are bounded so one
    # file cannot take the server's memory or time; each refusal names its setting.
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024, description="largest upload accepted, in bytes (else 413)"
    )
    import_max_unpacked_bytes: int = Field(
        default=100 * 1024 * 1024,
        description="largest XLSX content once unzipped, in bytes (else 413)",
    )
    import_max_rows: int = Field(default=50_000, description="most data rows per file (else 413)")
    import_max_columns: int = Field(default=100, description="most columns per row (else 422)")
    # Excel's own limit for one cell; a longer cell is refused with its row and column.
    import_max_cell_chars: int = 32_767

    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's forwarded-header options: on only for the configured proxies."""
        proxies = ",".join(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
        return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or ""}


@lru_cache
def get_settings() -> Settings:
    return Settings()
