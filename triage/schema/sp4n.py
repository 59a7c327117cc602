"""SP4N-LAPOR! hand-off: a valid report shaped like a LAPOR! submission (field names follow its form).

Its JSON schema is published as triage/data/sp4n_record.schema.json (`triage.sp4n.record`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from triage.schema.judgement import Verdict
from triage.schema.messages import GeoPoint
from triage.schema.results import AgencyLevel, DecidedBy

# 2: `lampiran` became file descriptions (was WhatsApp media ids), each file uploaded by its sha256
SP4N_RECORD_VERSION: Literal["2"] = "2"


class Sp4nTempat(BaseModel):
    """One administrative level: the official Kemendagri name and code, so the OPD can route it."""

    nama: str
    kode: str


class Sp4nLokasi(BaseModel):
    provinsi: Sp4nTempat | None
    kabupaten_kota: Sp4nTempat | None
    kecamatan: Sp4nTempat | None
    desa: Sp4nTempat | None
    sebutan: str | None = Field(description="the place as the citizen wrote it")
    koordinat: GeoPoint | None = Field(description="a map point the citizen shared")


class Sp4nPelapor(BaseModel):
    """The reporter's contact, masked as stored; replies reach the citizen through us."""

    nama: str | None
    telepon: str | None
    nik: str | None


class Sp4nAlasan(BaseModel):
    pernyataan: str
    kutipan: str = Field(description="verbatim quote from the citizen's message")


class Sp4nLampiran(BaseModel):
    """A photo, voice note, video or document the citizen sent.

    The file itself is uploaded before the record (`PUT /api/lampiran/{sha256}`), so the record
    names it by content; a file that could not be fetched from WhatsApp keeps only its media id.
    A voice note carries its transcript, marked as machine-made, for the officer who cannot listen.
    """

    media_id: str
    jenis: Literal["foto", "suara", "video", "dokumen"]
    mime_type: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    ukuran: int | None = Field(default=None, ge=0, description="bytes")
    transkrip: str | None = Field(default=None, description="automatic transcript of a voice note")


class Sp4nTriase(BaseModel):
    """Why we judged the report valid, so the LAPOR! admin can verify quickly."""

    verdict: Verdict
    confidence: float = Field(ge=0, le=1)
    alasan: list[Sp4nAlasan]
    prompt_version: str | None
    model: str | None
    decided_by: DecidedBy


class Sp4nRecord(BaseModel):
    """A valid report shaped like a LAPOR! submission (field names follow LAPOR!'s form).

    `id_laporan_asal` (our report id) is also the idempotency key of every delivery request.
    """

    model_config = ConfigDict(extra="forbid", title="Sp4nRecord")

    versi: Literal["2"] = SP4N_RECORD_VERSION
    id_laporan_asal: str = Field(min_length=1, max_length=200)
    judul: str = Field(min_length=1, max_length=200)
    isi: str = Field(min_length=1, description="the citizen's own words; identifiers masked if anonim")
    tanggal_kejadian: str | None
    diterima_pada: datetime = Field(description="when the first message arrived")
    lokasi: Sp4nLokasi
    kategori: str | None
    sub_kategori: str | None
    instansi_tujuan: str | None
    tingkat_instansi: AgencyLevel | None
    lampiran: list[Sp4nLampiran] = Field(description="photos, voice notes, videos and documents")
    anonim: bool = Field(description="identity hidden from the agency")
    rahasia: bool = Field(description="report not published")
    mendesak: bool = Field(description="threat to life or safety")
    pelapor: Sp4nPelapor | None = Field(description="null when anonim")
    triase: Sp4nTriase
