"""Settings from the environment (prefix ``LINEWISE_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

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
    # A shift and a bit: a session opened at the start of a shift ends after it.
    session_hours: int = 8
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
    # The server runs it as the periodic job "kpi-refresh" (docs/jobs.md) on
    # ``kpi_refresh_cron``; any value above 0 switches it on.
    kpi_refresh_s: float = 60.0
    kpi_refresh_cron: str = Field(
        default="* * * * *",
        description="when the KPI rollup refresh runs (cron, in the site's time zone)",
    )
    # The background job queue (docs/jobs.md).
    jobs_workers: int = Field(
        default=1,
        ge=0,
        description="job claim loops in the server process; 0: only `linewise worker` "
        "processes run jobs",
    )
    jobs_poll_s: float = Field(
        default=0.5, gt=0, description="seconds an idle worker waits before looking again"
    )
    jobs_heartbeat_s: float = Field(default=5.0, gt=0, description="worker heartbeat period")
    jobs_keep_days: float = Field(
        default=7, gt=0, description="days succeeded jobs are kept (pruned nightly)"
    )
    # Alert e-mail (docs/alerts.md). No host: alerts are shown in the app only.
    smtp_host: str = Field(default="", description="SMTP server for alert e-mail; empty: none")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port")
    smtp_from: str = Field(default="linewise@localhost", description="sender of alert e-mail")
    alerts_email_to: str = Field(
        default="", description="comma-separated addresses every alert is e-mailed to"
    )
    # Cron of the alert rule evaluator, in the site's zone; rules are in whole minutes.
    alerts_evaluate_cron: str = "* * * * *"
    jobs_stale_after_s: float = Field(
        default=20.0,
        gt=0,
        description="a running job whose heartbeat is older than this is given back",
    )
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
    # Cron of the idle-risk refresh (docs/idle.md), in the site's zone; empty: off.
    idle_risk_cron: str = "* * * * *"
    # Scheduled reports (docs/reports.md), cron in the site's zone: the daily shift report
    # covers the shifts that ended in the day before it runs; the weekly one the past week.
    reports_daily_cron: str = "30 6 * * *"
    reports_weekly_cron: str = "0 7 * * mon"
    # Work instructions attached to routing steps (docs/terminal.md).
    documents_dir: str = Field(
        default="var/documents", description="directory the attached files are stored in"
    )
    documents_max_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="largest attached file, in bytes (else 413)"
    )
    # An S3-compatible object store instead of the directory (AWS S3, MinIO, Ceph, Garage);
    # the bucket must exist. Empty URL: the directory above.
    documents_s3_url: str = Field(
        default="",
        description="S3 endpoint, http(s)://host[:port] without a path; empty: files on disk",
    )
    documents_s3_bucket: str = Field(default="", description="the bucket the files go in")
    documents_s3_access_key: str = Field(default="", description="S3 access key id")
    documents_s3_secret_key: str = Field(default="", description="S3 secret access key")
    documents_s3_region: str = Field(
        default="", description="the bucket's region, e.g. eu-central-1; empty: asked of the store"
    )
    documents_s3_prefix: str = Field(
        default="", description="prefix of the object names, e.g. linewise/documents/"
    )

    # Requests a minute per person or integration key, and per device key (docs/operations.md).
    rate_limit_per_minute: int = Field(
        default=100, ge=0, description="requests a minute per user or API key; 0: no limit"
    )
    rate_limit_device_per_minute: int = Field(
        default=6000, ge=0, description="requests a minute per device key (ingest); 0: no limit"
    )
    # Log lines: "json" (one object per line, with the request id) or "text".
    log_format: str = Field(
        default="json", pattern="^(json|text)$", description="json or text log lines"
    )
    # Tracing (docs/operations.md): off unless an OTLP/HTTP endpoint is given; needs the
    # `tracing` extra (the OpenTelemetry SDK and its OTLP exporter).
    tracing_otlp_endpoint: Annotated[str | None, BeforeValidator(_empty_is_none)] = Field(
        default=None,
        description="OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; "
        "empty: no tracing",
    )
    # Backups (docs/operations.md): `linewise backup`, and the periodic job "backup".
    backup_dir: Annotated[Path | None, BeforeValidator(_empty_is_none)] = Field(
        default=Path("var/backups"),
        description="where backups are written; empty: no scheduled backups",
    )
    # Every 10 minutes: a recovery point under 15 minutes on the embedded database (on
    # PostgreSQL, WAL archiving gives a shorter one; docs/operations.md).
    backup_cron: str = Field(
        default="*/10 * * * *",
        description="when the server backs the database up (cron, in the site's time zone)",
    )
    backup_keep_all_hours: float = Field(
        default=24, ge=0, description="hours in which every backup is kept"
    )
    backup_keep_days: float = Field(
        default=30, gt=0, description="days one backup a day is kept (the newest always is)"
    )
    # Alert grouping, Alertmanager's timers (docs/alerts.md): the first notice of a new
    # group waits this long for the rest of a burst, later ones at most every interval,
    # and a group still firing is notified again after the repeat time.
    alerts_group_wait_s: float = Field(default=30.0, ge=0, description="group wait, seconds")
    alerts_group_interval_s: float = Field(
        default=300.0, ge=0, description="group interval, seconds"
    )
    alerts_repeat_s: float = Field(default=14400.0, gt=0, description="repeat interval, seconds")
    # Delivery analytics (docs/delivery.md): cron of the snapshot of every open order's
    # ETA, which calibrates later intervals and risks; empty: off.
    delivery_snapshot_cron: str = "5 * * * *"
    # cron of the training of the scrap/rework models (and their evaluation); empty: off
    delivery_train_cron: str = "40 2 * * *"
    # ... and of the refresh of each open order's current estimate, which the lateness
    # verdict and the Orders list read (an estimate older than 30 min is not used, so
    # run it more often than that); empty: off, orders are judged on their plan.
    delivery_refresh_cron: str = "* * * * *"
    # Besides the cron: a published plan, a terminal report or machine counts enqueue a
    # refresh (in a process with job workers), the events of this many seconds after the
    # first one coalesced into one run (a burst of counts is one refresh, not one each).
    # How the floor picks the next stage for a free line, as the forecast models it:
    # "plan" (the published plan's order) or "due_date" (the ready stage due first; one of
    # the setup family the line runs may go ahead of stages due up to
    # delivery_family_preference_h earlier; a setup only on a change of family).
    delivery_dispatch: Literal["plan", "due_date"] = "plan"
    delivery_family_preference_h: float = Field(
        default=0.0, ge=0, le=720, description="hours a same-family stage may jump ahead"
    )
    delivery_refresh_on_events: bool = True
    delivery_refresh_coalesce_s: float = Field(
        default=5.0, ge=0, le=600, description="seconds an event-driven refresh waits"
    )

    # The assistant's optional language model (docs/assistant-mcp.md): an OpenAI-compatible
    # chat completions endpoint (Ollama, vLLM, llama.cpp server). It may pick the tool and
    # word the answer; every number it writes is still checked against the tool's facts,
    # and on any failure the offline answer is given. Unset: offline answers only.
    assistant_llm_url: Annotated[str | None, BeforeValidator(_empty_is_none)] = Field(
        default=None,
        description="base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1; "
        "empty: no language model",
    )
    assistant_llm_model: Annotated[str | None, BeforeValidator(_empty_is_none)] = Field(
        default=None, description="the model's name at that endpoint, e.g. qwen2.5:7b"
    )
    assistant_llm_api_key: str = Field(default="", description="bearer key of the endpoint, if any")
    assistant_llm_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="seconds the model may take in all, per question"
    )
    # The paraphrase model (about 90 MB in memory) is loaded in the background when the
    # server starts, so that the first question does not wait 1-6 s for it; off, it is
    # loaded by the first question that needs it.
    assistant_warm_up: bool = Field(
        default=True, description="load the assistant's paraphrase model at start"
    )

    # Identity (docs/security.md). MFA: roles whose local accounts must use a TOTP
    # second factor (comma-separated; empty: nobody must, everyone may).
    mfa_required_roles: str = Field(
        default="supervisor,manager,admin",
        description="roles that must sign in with TOTP (comma-separated; empty: none)",
    )
    mfa_issuer: str = Field(default="Linewise", description="name shown in authenticator apps")
    # Single sign-on with OpenID Connect (authorization code with PKCE); off when no issuer.
    oidc_issuer: str = Field(default="", description="the OpenID provider's issuer URL")
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_provider_name: str = Field(default="SSO", description="the sign-in button's label")
    oidc_scopes: str = "openid profile email groups"
    oidc_groups_claim: str = "groups"
    oidc_username_claim: str = "preferred_username"
    # The redirect URI registered at the provider; empty: this server's own
    # /api/v1/auth/oidc/callback as the browser reached it.
    oidc_redirect_url: str = ""
    # Groups to roles and areas, JSON: {"mes-admins": "admin", ...} and
    # {"assembly-team": ["Assembly"], ...}. The highest role of a user's groups wins; a
    # user in no mapped group is refused.
    oidc_group_roles: str = Field(default="{}", description="JSON: group -> role")
    oidc_group_areas: str = Field(default="{}", description="JSON: group -> [area names]")
    # Data retention (docs/operations.md): raw telemetry and raw machine events are kept
    # this many days, then telemetry as hourly min/mean/max per signal, counts as hourly
    # sums, states as their intervals. 0: kept raw forever. Audit records never expire.
    retention_raw_days: int = Field(
        default=90, ge=0, description="days raw telemetry and machine events are kept; 0: ever"
    )
    retention_cron: str = Field(default="43 2 * * *", description="when retention runs (cron)")

    def mfa_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.mfa_required_roles.split(",") if r.strip())

    # Maintenance (docs/maintenance.md): how often plans are turned into orders, and how
    # long a down stop lasts before it opens a corrective order (0: never).
    maintenance_generate_cron: str = Field(
        default="*/15 * * * *", description="cron of the maintenance order generation"
    )
    maintenance_corrective_after_min: float = Field(
        default=30.0, ge=0, description="a down stop this long opens a corrective order"
    )
    # The anomaly detector's baselines are retrained from each machine's recent history
    # (a week's new telemetry); empty: only on request.
    maintenance_train_cron: str = Field(
        default="30 3 * * 0", description="cron of the weekly retraining of detector baselines"
    )
    # The live anomaly detector (docs/maintenance.md): the novelty detector with the
    # fuzzy ART detector beside it (NAB 72; on the simulated factory more drifting
    # failures warned, more false warnings) or the novelty detector alone (NAB 68,
    # quieter); both hold six hours after an alarm. A machine's stored detector is
    # converted on its next batch.
    anomaly_detector: Literal["art", "novelty"] = Field(
        default="art", description="the live anomaly detector: art (novelty + ART) or novelty"
    )

    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's forwarded-header options: on only for the configured proxies."""
        proxies = ",".join(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
        return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or ""}


@lru_cache
def get_settings() -> Settings:
    return Settings()
