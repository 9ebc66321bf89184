"""The gateway's limits, from sharing/gateway/gateway.yaml (validated; errors name the field)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

FILE = Path(__file__).with_name("gateway.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RowsLimits(_Strict):
    page_size: int = Field(gt=0)
    max_page_size: int = Field(gt=0)
    seconds: float = Field(gt=0)


class SqlLimits(_Strict):
    row_limit: int = Field(gt=0)
    seconds: float = Field(gt=0)
    max_length: int = Field(gt=0)


class RateLimit(_Strict):
    per_minute: float = Field(gt=0)
    burst: int = Field(gt=0)


class GatewayConfig(_Strict):
    rows: RowsLimits
    sql: SqlLimits
    rate_limit: RateLimit


def load_config(path: Path = FILE, **overrides) -> GatewayConfig:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in overrides.items():
        section, key = dotted.split("__", 1)
        doc[section][key] = value
    return GatewayConfig.model_validate(doc)
