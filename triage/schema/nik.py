"""Identity shapes: what a NIK (the citizen's ID number) says about its holder.

`triage.identity` reads the NIK and fills this in; only the masked number is ever kept.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class NikInfo(BaseModel):
    """What a NIK says about its holder, checked against the Kemendagri codes; never the clear number."""

    valid: bool
    masked: str = Field(description="first 6 and last 2 digits kept: 337401********03")
    province_code: str | None = None
    province: str | None = None
    regency_code: str | None = None
    regency: str | None = None
    district_code: str | None = None
    district: str | None = None
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = Field(default=None, description="L laki-laki, P perempuan (day + 40)")
    errors: list[str] = Field(default_factory=list)
