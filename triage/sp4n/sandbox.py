"""A local stand-in for the LAPOR! intake, for demos and tests (`triage sp4n-sandbox`).

LAPOR! has no public test endpoint, so this plays its part honestly: it validates each record
against the published JSON Schema, hands out a tracking id, returns the same tracking id for the
same idempotency key without storing a second record, and misbehaves on request: `--fail-rate`
makes that share of requests fail, half as a 500 before anything is stored and half as a hang
past the client's timeout *after* the record was stored (the answer is lost, as when a network
drops a reply). The second kind is what makes idempotency matter.

Storage is SQLite (`--db`, in memory by default) and, optionally, a JSONL mirror of accepted
records (`--jsonl`), so the embedded setup still finds its SP4N outbox in a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import signal
import sqlite3
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from triage.sp4n.attachments import to_upload
from triage.sp4n.record import published_schema, xml_reply, xml_to_record

MAX_FILE_BYTES = 100_000_000  # WhatsApp's largest (a document)


class SandboxStore:
    """Records by idempotency key, and every request seen (so tests can count attempts)."""

    def __init__(self, path: str = ":memory:", jsonl: Path | None = None) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        self.jsonl = jsonl
        self.conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS records (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                idempotency_key TEXT NOT NULL UNIQUE,
                tracking_id TEXT,
                flavour TEXT,
                record TEXT NOT NULL,
                received_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS lampiran (
                sha256 TEXT PRIMARY KEY,
                mime_type TEXT,
                data BLOB NOT NULL,
                received_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS requests (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                idempotency_key TEXT,
                flavour TEXT,
                outcome TEXT,
                at TEXT
            );
            """
        )

    def log(self, key: str | None, flavour: str, outcome: str) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO requests (idempotency_key, flavour, outcome, at) VALUES (?,?,?,?)",
                [key, flavour, outcome, datetime.now(UTC).isoformat()],
            )

    def accept(self, key: str, flavour: str, record: dict[str, Any]) -> tuple[str, bool]:
        """Store once per key; return (tracking id, duplicate?)."""
        with self.lock:
            row = self.conn.execute(
                "SELECT tracking_id FROM records WHERE idempotency_key = ?", [key]
            ).fetchone()
            if row:
                return row[0], True
            cur = self.conn.execute(
                "INSERT INTO records (idempotency_key, flavour, record, received_at) VALUES (?,?,?,?)",
                [key, flavour, json.dumps(record, ensure_ascii=False), datetime.now(UTC).isoformat()],
            )
            tracking = f"SBX-{cur.lastrowid:08d}"
            self.conn.execute("UPDATE records SET tracking_id = ? WHERE seq = ?", [tracking, cur.lastrowid])
            if self.jsonl is not None:
                self.jsonl.parent.mkdir(parents=True, exist_ok=True)
                line = {"idempotency_key": key, "tracking_id": tracking, "record": record}
                with self.jsonl.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            return tracking, False

    def hold_file(self, sha256: str, mime_type: str | None, data: bytes) -> bool:
        """Keep an uploaded file once; True when it was new."""
        with self.lock:
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO lampiran (sha256, mime_type, data, received_at) VALUES (?,?,?,?)",
                [sha256, mime_type, data, datetime.now(UTC).isoformat()],
            )
        return cur.rowcount == 1

    def file(self, sha256: str) -> tuple[str | None, bytes] | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT mime_type, data FROM lampiran WHERE sha256 = ?", [sha256]
            ).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def missing_files(self, record: dict[str, Any]) -> list[str]:
        wanted = [sha256 for sha256, _ in to_upload(record)]
        with self.lock:
            return [
                w
                for w in wanted
                if not self.conn.execute("SELECT 1 FROM lampiran WHERE sha256 = ?", [w]).fetchone()
            ]

    def tracking(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT tracking_id FROM records WHERE idempotency_key = ?", [key]
            ).fetchone()
        return row[0] if row else None

    def records(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT r.idempotency_key, r.tracking_id, r.flavour, r.record, r.received_at, "
                "(SELECT count(*) FROM requests q WHERE q.idempotency_key = r.idempotency_key) "
                "FROM records r ORDER BY seq"
            ).fetchall()
        return [
            {
                "idempotency_key": k,
                "tracking_id": t,
                "flavour": f,
                "record": json.loads(rec),
                "received_at": at,
                "requests": n,
            }
            for k, t, f, rec, at, n in rows
        ]

    def stats(self) -> dict[str, Any]:
        with self.lock:
            by_outcome = dict(
                self.conn.execute("SELECT outcome, count(*) FROM requests GROUP BY outcome").fetchall()
            )
            n_records = self.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        return {"records": n_records, "requests": sum(by_outcome.values()), "by_outcome": by_outcome}


def create_app(
    *,
    fail_rate: float = 0.0,
    latency_ms: float = 0.0,
    hang_s: float = 30.0,
    token: str | None = None,
    db_path: str = ":memory:",
    jsonl: Path | None = None,
    seed: int | None = None,
) -> FastAPI:
    app = FastAPI(title="SP4N-LAPOR! sandbox", docs_url=None, redoc_url=None)
    store = SandboxStore(db_path, jsonl)
    validator = jsonschema.Draft202012Validator(published_schema())
    rng = random.Random(seed)
    app.state.store = store

    def problems(record: Any) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(record)
        ][:10]

    async def receive(key: str, flavour: str, record: dict[str, Any]) -> tuple[int, str | None, str]:
        """Common path: latency, schema check, injected failure, idempotent store."""
        if latency_ms:
            await asyncio.sleep(latency_ms / 1000)
        errors = problems(record)
        if errors:
            store.log(key, flavour, "invalid")
            return 422, None, "; ".join(errors)
        missing = store.missing_files(record)
        if missing:  # a record whose files were not uploaded first: try again after uploading them
            store.log(key, flavour, "missing_lampiran")
            return 409, None, f"lampiran belum diunggah: {', '.join(m[:12] for m in missing)}"
        if rng.random() < fail_rate:
            if rng.random() < 0.5:
                store.log(key, flavour, "injected_500")
                return 500, None, "injected failure"
            store.accept(key, flavour, record)  # stored, but the answer never arrives
            store.log(key, flavour, "injected_timeout")
            await asyncio.sleep(hang_s)
            return 504, None, "injected timeout"
        tracking, duplicate = store.accept(key, flavour, record)
        store.log(key, flavour, "duplicate" if duplicate else "created")
        return (200 if duplicate else 201), tracking, "duplicate" if duplicate else "created"

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/laporan")
    async def laporan(request: Request) -> Response:
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": "bad or missing bearer token"}, status_code=401)
        try:
            record = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        key = request.headers.get("idempotency-key") or (
            record.get("id_laporan_asal") if isinstance(record, dict) else None
        )
        if not key:
            return JSONResponse({"error": "Idempotency-Key header required"}, status_code=400)
        status, tracking, detail = await receive(key, "json", record)
        if tracking is None:
            return JSONResponse({"error": detail}, status_code=status)
        return JSONResponse(
            {"tracking_id": tracking, "id_laporan_asal": key, "duplikat": status == 200}, status_code=status
        )

    @app.post("/api/stream/addstream")
    async def addstream(request: Request) -> Response:
        xml = "application/xml"
        body = await request.body()
        try:
            sent_token, record = xml_to_record(body)
        except Exception as exc:  # noqa: BLE001 - any parse/validation problem is the client's
            return Response(xml_reply(None, f"bad request: {exc}"[:500]), status_code=400, media_type=xml)
        if token and sent_token != token:
            return Response(xml_reply(None, "bad token"), status_code=401, media_type=xml)
        key = request.headers.get("idempotency-key") or record["id_laporan_asal"]
        status, tracking, detail = await receive(key, "xml", record)
        return Response(xml_reply(tracking, None if tracking else detail), status_code=status, media_type=xml)

    @app.put("/api/lampiran/{sha256}")
    async def put_file(sha256: str, request: Request) -> Response:
        """An attachment, named by its content: the bytes must hash to the name."""
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": "bad or missing bearer token"}, status_code=401)
        data = await request.body()
        if len(data) > MAX_FILE_BYTES:
            return JSONResponse({"error": "file too large"}, status_code=413)
        if hashlib.sha256(data).hexdigest() != sha256:
            return JSONResponse({"error": "content does not match its sha256"}, status_code=422)
        new = store.hold_file(sha256, request.headers.get("content-type"), data)
        return JSONResponse({"sha256": sha256, "ukuran": len(data)}, status_code=201 if new else 200)

    @app.get("/api/lampiran/{sha256}")
    async def get_file(sha256: str) -> Response:
        held = store.file(sha256)
        if held is None:
            return JSONResponse({"error": "no such file"}, status_code=404)
        return Response(held[1], media_type=held[0] or "application/octet-stream")

    @app.get("/api/laporan/{key}")
    async def held(key: str, request: Request) -> Response:
        """Whether a record is held for this idempotency key: what a sender asks before it gives up."""
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": "bad or missing bearer token"}, status_code=401)
        tracking = store.tracking(key)
        if tracking is None:
            return JSONResponse({"error": "no record for this key"}, status_code=404)
        return JSONResponse({"tracking_id": tracking, "id_laporan_asal": key})

    @app.get("/api/laporan")
    async def listing() -> dict[str, Any]:
        records = store.records()
        return {"count": len(records), "records": records}

    @app.get("/api/stats")
    async def stats() -> dict[str, Any]:
        return store.stats()

    return app


def serve(
    port: int,
    *,
    host: str = "127.0.0.1",
    fail_rate: float = 0.0,
    latency_ms: float = 0.0,
    hang_s: float = 30.0,
    token: str | None = None,
    db_path: str = ":memory:",
    jsonl: Path | None = None,
    seed: int | None = None,
) -> None:
    import uvicorn

    app = create_app(
        fail_rate=fail_rate,
        latency_ms=latency_ms,
        hang_s=hang_s,
        token=token,
        db_path=db_path,
        jsonl=jsonl,
        seed=seed,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # after uvicorn's graceful stop: exit 0
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SandboxProcess:
    """`triage sp4n-sandbox` in a child process (a real server over real HTTP), for demo and tests."""

    def __init__(self, port: int | None = None, *args: str, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.args = list(args)
        self.proc: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, ready_timeout_s: float = 20.0) -> SandboxProcess:
        import subprocess
        import sys
        import time

        import httpx

        cmd = [
            sys.executable,
            "-m",
            "triage.sp4n.cli",
            "--host",
            self.host,
            "--port",
            str(self.port),
            *self.args,
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"sandbox exited with {self.proc.returncode}: {err[-500:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sandbox did not answer on {self.url} within {ready_timeout_s} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - escalate once, then give up waiting
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()

    def records(self) -> list[dict[str, Any]]:
        import httpx

        data: dict[str, Any] = httpx.get(self.url + "/api/laporan", timeout=10).json()
        return list(data["records"])

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
