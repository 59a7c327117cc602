"""The SP4N-LAPOR! record and the destinations that deliver it: JSONL file, HTTP JSON, legacy XML.

LAPOR! has no public submission API: an agency integrates with credentials from its admin
account. So the record follows LAPOR!'s form (`Sp4nRecord`), its JSON Schema is published in
`triage/data/sp4n_record.schema.json`, and the transport is chosen by configuration. Every destination
takes an idempotency key (our report id) and must return the same tracking id for the same key,
which is what makes a retry after a crash safe.

`python -m triage.sp4n.record schema [--check]` (re)writes the published schema.
"""

from __future__ import annotations

import json
import sys
import threading
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from triage.config import Settings, Sp4nTuning
from triage.identity import mask_text
from triage.media.files import MediaStore, MediaStoreUnavailable
from triage.media.storage import store_for
from triage.schema import (
    SP4N_RECORD_VERSION,
    Complaint,
    Report,
    Sp4nAlasan,
    Sp4nLokasi,
    Sp4nPelapor,
    Sp4nRecord,
    Sp4nTempat,
    Sp4nTriase,
    TriageResult,
    Verdict,
)
from triage.sp4n import attachments

# Package data; in a checkout (editable install) this is the source file the schema command rewrites.
SCHEMA_PATH = Path(str(resources.files("triage").joinpath("data", "sp4n_record.schema.json")))
JSON_PATH = "/api/laporan"
XML_PATH = "/api/stream/addstream"


# ---------------------------------------------------------------- the record


def _place(ref: Any) -> Sp4nTempat | None:
    return Sp4nTempat(nama=ref.name, kode=ref.code) if ref is not None else None


def _mask_wa_id(sender: str) -> str | None:
    """The WhatsApp number, masked like identity.mask_text does; opaque user ids are not contacts."""
    if not sender.isdigit() or len(sender) < 9:
        return None
    return sender[:5] + "****" + sender[-2:]


def build_record(
    report: Report,
    result: TriageResult,
    *,
    model: str | None = None,
    prompt_version: str | None = None,
) -> Sp4nRecord:
    """Map a valid result to LAPOR!'s form. Anonymous: identifiers masked in the text, no pelapor.

    `isi` is the citizen's own words, unedited except for masking: an admin must see what was
    actually written, not our summary of it.
    """
    if result.verdict is not Verdict.valid:
        raise ValueError(f"only a valid result goes to SP4N-LAPOR!, not {result.verdict.value}")
    # a reviewer may overturn a prefilter "invalid" (no complaint extracted) to valid
    first_line = next((line.strip() for line in report.text.splitlines() if line.strip()), "")
    c = result.complaint or Complaint(title=first_line[:90] or "(tanpa judul)", summary=first_line)
    anonymous = c.anonymous
    confidential = anonymous or bool(getattr(c, "confidential", False))

    def clean(text: str) -> str:
        return mask_text(text) if anonymous else text

    loc = c.location
    shared = next((m.location for m in report.messages if m.location is not None), None)
    pelapor = None
    if not anonymous:
        r = c.reporter
        pelapor = Sp4nPelapor(
            nama=r.name_masked,
            telepon=r.phone_masked or _mask_wa_id(report.sender),
            nik=r.nik_masked,
        )
    return Sp4nRecord(
        id_laporan_asal=report.report_id,
        judul=clean(c.title)[:200] or "(tanpa judul)",
        isi=clean(report.text) or "(kosong)",
        tanggal_kejadian=c.incident_date,
        diterima_pada=report.messages[0].timestamp,
        lokasi=Sp4nLokasi(
            provinsi=_place(loc.province),
            kabupaten_kota=_place(loc.regency),
            kecamatan=_place(loc.district),
            desa=_place(loc.village),
            sebutan=loc.mention,
            koordinat=shared,
        ),
        kategori=c.category,
        sub_kategori=c.subtopic,
        instansi_tujuan=c.agency,
        tingkat_instansi=c.agency_level,
        lampiran=attachments.describe(report, clean),
        anonim=anonymous,
        rahasia=confidential,
        mendesak=c.urgent,
        pelapor=pelapor,
        triase=Sp4nTriase(
            verdict=result.verdict,
            confidence=result.confidence,
            alasan=[Sp4nAlasan(pernyataan=r.statement, kutipan=clean(r.evidence)) for r in result.reasons],
            prompt_version=prompt_version,
            model=model,
            decided_by=result.decided_by,
        ),
    )


def upgrade(payload: dict[str, Any]) -> dict[str, Any]:
    """A record queued by an older version, in today's shape (version 1 named files by bare ids)."""
    if payload.get("versi") == "1":
        lampiran = [
            {"media_id": str(m), "jenis": "dokumen"} if isinstance(m, str) else m
            for m in payload.get("lampiran") or []
        ]
        payload = {**payload, "versi": SP4N_RECORD_VERSION, "lampiran": lampiran}
    return payload


def record_schema() -> dict[str, Any]:
    schema = Sp4nRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/lapor-triage/lapor-triage/schemas/sp4n_record.schema.json"
    return schema


def schema_text() -> str:
    return json.dumps(record_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def published_schema() -> dict[str, Any]:
    """The committed schema when running from the repo, else the same thing generated."""
    if SCHEMA_PATH.exists():
        loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
        return loaded
    return record_schema()


# ---------------------------------------------------------------- legacy XML flavour


def _to_xml(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if value is None:
        el.set("nil", "1")
    elif isinstance(value, dict):
        for k, v in value.items():
            _to_xml(el, k, v)
    elif isinstance(value, list):
        el.set("type", "list")
        for v in value:
            _to_xml(el, "item", v)
    elif isinstance(value, bool):
        el.text = "1" if value else "0"
    else:
        el.text = str(value)


def _from_xml(el: ET.Element) -> Any:
    if el.get("nil") == "1":
        return None
    if el.get("type") == "list":
        return [_from_xml(child) for child in el]
    if len(el):
        return {child.tag: _from_xml(child) for child in el}
    return el.text or ""


def record_to_xml(record: dict[str, Any], token: str | None) -> bytes:
    """`<lapor token><pelapor/><laporan rahasia anonim><isi/>…</laporan></lapor>`, the old stream API.

    The old endpoint carried only pelapor and isi; the rest of the record rides along as further
    children of `<laporan>` so nothing is lost in this flavour.
    """
    root = ET.Element("lapor", {"token": token or ""})
    pelapor = record.get("pelapor")
    _to_xml(root, "pelapor", pelapor)
    laporan = ET.SubElement(
        root,
        "laporan",
        {"rahasia": "1" if record["rahasia"] else "0", "anonim": "1" if record["anonim"] else "0"},
    )
    _to_xml(laporan, "isi", record["isi"])
    for key, value in record.items():
        if key not in ("pelapor", "isi", "rahasia", "anonim"):
            _to_xml(laporan, key, value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_to_record(body: bytes) -> tuple[str | None, dict[str, Any]]:
    """Parse the XML flavour back to (token, record dict); pydantic coerces the strings."""
    root = ET.fromstring(body)
    if root.tag != "lapor":
        raise ValueError("root element must be <lapor>")
    laporan = root.find("laporan")
    if laporan is None:
        raise ValueError("<laporan> missing")
    record: dict[str, Any] = {child.tag: _from_xml(child) for child in laporan}
    record["rahasia"] = laporan.get("rahasia") == "1"
    record["anonim"] = laporan.get("anonim") == "1"
    pelapor = root.find("pelapor")
    record["pelapor"] = _from_xml(pelapor) if pelapor is not None else None
    coerced = Sp4nRecord.model_validate(record).model_dump(mode="json")
    return root.get("token"), coerced


def xml_reply(tracking_id: str | None, error: str | None = None) -> bytes:
    root = ET.Element("lapor")
    ET.SubElement(root, "status").text = "ERROR" if error else "OK"
    if tracking_id:
        ET.SubElement(root, "trackingid").text = tracking_id
    if error:
        ET.SubElement(root, "pesan").text = error
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- destinations


class DeliveryError(RuntimeError):
    """The destination did not confirm; the row stays undelivered and is retried."""


class PermanentDeliveryError(DeliveryError):
    """The destination refused the record itself (4xx); retrying the same request cannot help."""


class Destination(Protocol):
    transport: str

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        """Deliver once; return the tracking id. Must be idempotent on the key."""
        ...

    def close(self) -> None: ...


def lookup(dest: Destination, idempotency_key: str) -> str | None:
    """The tracking id the destination already holds for this key, or None (not held, or the
    destination cannot say). Asked before a row is given up on: a try that timed out may still
    have arrived, and a dead letter for a record SP4N holds would hide a delivered report."""
    find = getattr(dest, "lookup", None)
    if find is None:
        return None
    try:
        found = find(idempotency_key)
    except Exception:  # noqa: BLE001 - a failed lookup says nothing: the row is given up as before
        return None
    return str(found) if found else None


class JsonlDestination:
    """The embedded default: append each record to a JSONL file, once per idempotency key."""

    transport = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _existing(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        seen = {}
        for line in self.path.read_text("utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            seen[row.get("idempotency_key")] = row.get("tracking_id")
        return seen

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        with self._lock:
            existing = self._existing()
            if idempotency_key in existing:
                return existing[idempotency_key]
            tracking = "LOCAL-" + idempotency_key
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = {"idempotency_key": idempotency_key, "tracking_id": tracking, "record": payload}
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
                fh.flush()
            return tracking

    def lookup(self, idempotency_key: str) -> str | None:
        with self._lock:
            return self._existing().get(idempotency_key)

    def close(self) -> None:
        pass


def _endpoint(base: str, default_path: str) -> str:
    """A bare base URL gets the flavour's usual path; a URL with a path is used as given."""
    if urlsplit(base).path in ("", "/"):
        return base.rstrip("/") + default_path
    return base


_RETRYABLE_4XX = {408, 409, 425, 429}


def _upload(
    client: httpx.Client, url: str, token: str | None, payload: dict[str, Any], media: MediaStore | None
) -> None:
    """The record's files first (`sp4n.attachments`); without a media store, none to send."""
    if media is None:
        return
    try:
        answers = attachments.upload_all(client, url, token, payload, media)
    except (httpx.HTTPError, attachments.AttachmentMissing, MediaStoreUnavailable) as exc:
        raise DeliveryError(f"attachment upload: {type(exc).__name__}: {exc}") from exc
    for resp in answers:
        _check_status(resp)


def _check_status(resp: httpx.Response) -> None:
    if resp.is_success:
        return
    detail = f"HTTP {resp.status_code}: {resp.text[:300]}"
    if 400 <= resp.status_code < 500 and resp.status_code not in _RETRYABLE_4XX:
        raise PermanentDeliveryError(detail)
    raise DeliveryError(detail)


class HttpJsonDestination:
    """POST the record as JSON with `Idempotency-Key` and a Bearer token; 2xx + tracking_id = sent."""

    transport = "json"

    def __init__(
        self, url: str, token: str | None, timeout_s: float, media: MediaStore | None = None
    ) -> None:
        self.url = _endpoint(url, JSON_PATH)
        self.token = token
        self.client = httpx.Client(timeout=timeout_s)
        self.media = media

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        _upload(self.client, self.url, self.token, payload, self.media)
        headers = {"Idempotency-Key": idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            resp = self.client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        _check_status(resp)
        try:
            tracking = resp.json().get("tracking_id")
        except (ValueError, AttributeError) as exc:
            raise DeliveryError(f"HTTP {resp.status_code} without a JSON body") from exc
        if not tracking:
            raise DeliveryError(f"HTTP {resp.status_code} without a tracking id")
        return str(tracking)

    def lookup(self, idempotency_key: str) -> str | None:
        """GET {url}/{key}: 200 with the tracking id when held, 404 when not."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        resp = self.client.get(f"{self.url.rstrip('/')}/{quote(idempotency_key, safe='')}", headers=headers)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        tracking = resp.json().get("tracking_id")
        return str(tracking) if tracking else None

    def close(self) -> None:
        self.client.close()


class LegacyXmlDestination:
    """The older token-based stream endpoint: XML in, `<trackingid>` out."""

    transport = "xml"

    def __init__(
        self, url: str, token: str | None, timeout_s: float, media: MediaStore | None = None
    ) -> None:
        self.url = _endpoint(url, XML_PATH)
        self.token = token
        self.client = httpx.Client(timeout=timeout_s)
        self.media = media

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        _upload(self.client, self.url, self.token, payload, self.media)
        body = record_to_xml(payload, self.token)
        headers = {"Content-Type": "application/xml; charset=utf-8", "Idempotency-Key": idempotency_key}
        try:
            resp = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        _check_status(resp)
        try:
            root = ET.fromstring(resp.content)
        except ET.ParseError as exc:
            raise DeliveryError(f"HTTP {resp.status_code} with unreadable XML") from exc
        tracking = root.findtext("trackingid")
        if root.findtext("status") != "OK" or not tracking:
            raise DeliveryError(f"HTTP {resp.status_code}: {root.findtext('pesan') or 'no trackingid'}")
        return tracking

    def close(self) -> None:
        self.client.close()


def destination_from_settings(settings: Settings, tuning: Sp4nTuning | None = None) -> Destination:
    """TRIAGE_SP4N_URL set: HTTP in the TRIAGE_SP4N_FLAVOUR (json|xml); else the JSONL file."""
    tuning = tuning or settings.sp4n
    if not settings.sp4n_url:
        return JsonlDestination(settings.outbox_jsonl)
    flavour = settings.sp4n_flavour.lower()
    if flavour == "json":
        return HttpJsonDestination(
            settings.sp4n_url, settings.sp4n_token, tuning.timeout_s, store_for(settings)
        )
    if flavour == "xml":
        return LegacyXmlDestination(
            settings.sp4n_url, settings.sp4n_token, tuning.timeout_s, store_for(settings)
        )
    raise ValueError(f"TRIAGE_SP4N_FLAVOUR must be json or xml, not {settings.sp4n_flavour!r}")


def main(argv: list[str]) -> int:
    """`python -m triage.sp4n.record schema [--check]`: write (or check) the published schema."""
    if not argv or argv[0] != "schema":
        print("usage: python -m triage.sp4n.record schema [--check]", file=sys.stderr)
        return 2
    text = schema_text()
    if "--check" in argv:
        current = SCHEMA_PATH.read_text("utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is out of date: run python -m triage.sp4n.record schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(text, "utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
