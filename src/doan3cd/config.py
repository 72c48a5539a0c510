"""Runtime settings, read from `DOAN3CD_*` environment variables and an optional `.env` file."""

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from doan3cd.domain.member_rules import AdmissionPolicy

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value we refuse outside demo/dev
MIN_PRODUCTION_SECRET_LENGTH = 32
DEFAULT_SQLITE_PATH = Path("var/doan3cd.sqlite3")
DEFAULT_FIELD_OWNERS: dict[str, Literal["national", "local"]] = {
    "full_name": "national",
    "date_of_birth": "national",
    "gender": "national",
    "member_code": "national",
    "joined_on": "national",
    "card_number": "national",
    "phone": "local",
    "email": "local",
    "address": "local",
    "occupation": "local",
    "education": "local",
    "branch_code": "local",
}


def default_check_workers() -> int:
    """One per core beyond the first (which reads and stages), and at least two: converting and
    checking cost about five times the reading, so one worker would hold the reader back (on two
    cores a million rows staged in 15 s with two workers, 21 s with one)."""
    return max(2, (os.cpu_count() or 1) - 1)


class Mode(StrEnum):
    demo = "demo"
    dev = "dev"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOAN3CD_", env_file=".env", extra="ignore")

    mode: Mode = Mode.dev
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    secret_key: str = PLACEHOLDER_SECRET
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    page_default: int = Field(default=50, ge=1)
    page_max: int = Field(default=500, ge=1)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    pool_size: int = Field(default=10, ge=1)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    max_concurrent_requests: int = Field(default=200, ge=1)
    # Age limits (completed years) at admission and for ageing out; cadres may stay longer.
    admission_min_age: int = Field(default=16, ge=0)
    admission_max_age: int = Field(default=30, ge=1)
    admission_cadre_max_age: int = Field(default=35, ge=1)
    # Imports up to this many rows run inside the request; larger files become jobs.
    import_inline_rows: int = Field(default=5_000, ge=0)
    # Run queued import jobs in the app process (demo/dev convenience; production runs
    # `doan3cd worker`). None: on in demo and dev mode.
    import_worker_in_app: bool | None = None
    # A running job whose worker has not stamped it for this long is taken over by another
    # worker (the lease must outlast the longest silent step: the final merge of a big file);
    # after this many starts it fails as abandoned instead.
    import_job_lease_s: float = Field(default=900.0, gt=0)
    import_job_max_attempts: int = Field(default=3, ge=1)
    # Processes that convert and check the rows of a large import while the importing one reads
    # and stages them.
    import_check_workers: int = Field(default_factory=default_check_workers, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Party referral eligibility (domain/referral_rules.py).
    referral_min_age: int = Field(default=18, ge=0)
    referral_max_age: int = Field(default=30, ge=0)
    referral_min_tenure_months: int = Field(default=12, ge=0)
    # Sync (design/api.md "Sync"): change-log retention, inbound batch cap, field ownership.
    sync_retention_days: int = Field(default=30, ge=1)
    sync_batch_max: int = Field(default=500, ge=1)
    # Who owns each member field: "national" fields are written by the national system's batches;
    # "local" fields are ours, set on creation but never overwritten by a later batch.
    sync_field_owners: dict[str, Literal["national", "local"]] = Field(
        default_factory=lambda: dict(DEFAULT_FIELD_OWNERS)
    )
    webhooks_worker_enabled: bool = False
    webhooks_max_attempts: int = Field(default=8, ge=1)
    webhooks_backoff_base_s: float = Field(default=10.0, gt=0)
    webhooks_backoff_cap_s: float = Field(default=3600.0, gt=0)
    webhooks_timeout_s: float = Field(default=10.0, gt=0)
    webhooks_poll_s: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        if self.mode is Mode.production and (
            self.secret_key == PLACEHOLDER_SECRET
            or len(self.secret_key) < MIN_PRODUCTION_SECRET_LENGTH
        ):
            raise ValueError(
                "DOAN3CD_SECRET_KEY must be set to a real secret of at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters when DOAN3CD_MODE=production"
            )
        if self.page_default > self.page_max:
            raise ValueError("DOAN3CD_PAGE_DEFAULT must not exceed DOAN3CD_PAGE_MAX")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def admission_policy(settings: Settings) -> AdmissionPolicy:
    return AdmissionPolicy(
        min_age=settings.admission_min_age,
        max_age=settings.admission_max_age,
        cadre_max_age=settings.admission_cadre_max_age,
    )
