"""The WhatsApp Cloud API webhook, and `triage serve`.

Why it does so little: Lapor Mas Wapres failed at intake when messages waited behind slow work.
Here a POST is verified (HMAC of the raw body, before any parsing), parsed, written durably to
SQLite (`Store.add_message`, idempotent on the WhatsApp message id, which WhatsApp retries for
days), and answered. No model, no network: reports are assembled and judged by `triage worker`.

Status codes: 200 accepted (also for re-deliveries); 401 bad or missing signature (nothing is
stored); 400 not JSON; 413 too large; 422 JSON of a shape we do not know. Rejections are logged
with the body masked, so a payload problem can be diagnosed without leaking NIK or phone numbers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError

from triage import metrics
from triage.config import Settings
from triage.identity import mask_text
from triage.intake.partitions import open_intake
from triage.intake.whatsapp import record_status, sender_key
from triage.schema import GeoPoint, MessageType, RawMessage
from triage.store.database import Database, connect, now_iso, sqlite_path
from triage.store.reports import Store

log = logging.getLogger(__name__)
router = APIRouter()
PATH = "/webhooks/whatsapp"
MEDIA_TYPES = {"image", "document", "audio", "video", "sticker"}


class BadPayload(ValueError):
    """JSON that is not a WhatsApp webhook payload we understand (answered 422)."""


# ---------------------------------------------------------------- parsing


@dataclass
class Inbound:
    message: RawMessage
    raw: dict[str, Any]
    wa_id: str | None
    user_id: str | None


@dataclass
class Parsed:
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    # messages of the payload we could not read, each with why: their batch-mates are kept
    rejected: list[tuple[str, Any]] = field(default_factory=list)


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadPayload(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"{where} must be an array")
    return value


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def _content(msg: dict[str, Any]) -> dict[str, Any]:
    """The RawMessage fields for one WhatsApp message object, by its type."""
    kind = str(msg.get("type") or "")
    out: dict[str, Any] = {"type": MessageType.other, "text": ""}
    if kind == "text":
        out.update(type=MessageType.text, text=str(_dict(msg.get("text"), "text").get("body") or ""))
    elif kind in MEDIA_TYPES:
        media = _dict(msg.get(kind), kind)
        # the caption is what the citizen wrote; a document's filename stays in the raw object
        out.update(type=MessageType(kind), media_id=media.get("id"), caption=media.get("caption"))
    elif kind == "location":
        loc = _dict(msg.get("location"), "location")
        try:
            point = GeoPoint(
                latitude=float(loc["latitude"]),
                longitude=float(loc["longitude"]),
                name=loc.get("name"),
                address=loc.get("address"),
            )
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise BadPayload(f"location: {exc}") from None
        out.update(type=MessageType.location, location=point)
    elif kind == "interactive":
        inter = _dict(msg.get("interactive"), "interactive")
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        reply = _dict(reply, "interactive reply")
        text = " - ".join(str(reply[k]) for k in ("title", "description") if reply.get(k))
        if not text and isinstance(inter.get("nfm_reply"), dict):
            text = str(inter["nfm_reply"].get("response_json") or "")
        out.update(type=MessageType.interactive, text=text)
    elif kind == "button":
        button = _dict(msg.get("button"), "button")
        out.update(type=MessageType.button, text=str(button.get("text") or button.get("payload") or ""))
    # reaction, contacts, system, order, unsupported ...: kept as `other` with the raw object
    return out


def parse(payload: Any) -> Parsed:
    """Every entry, change, message and status of a payload; raises BadPayload on unknown shapes."""
    body = _dict(payload, "payload")
    if body.get("object") != "whatsapp_business_account":
        raise BadPayload("object must be 'whatsapp_business_account'")
    entries = _list(body.get("entry"), "entry")
    if not entries:
        raise BadPayload("entry is empty")
    parsed = Parsed()
    for entry in entries:
        for change in _list(_dict(entry, "entry[]").get("changes"), "changes"):
            value = _dict(_dict(change, "changes[]").get("value"), "changes[].value")
            contacts = [_dict(c, "contacts[]") for c in _list(value.get("contacts"), "contacts")]
            by_wa = {str(c["wa_id"]): c for c in contacts if c.get("wa_id")}
            for m in _list(value.get("messages"), "messages"):
                try:
                    parsed.messages.append(_inbound(m, by_wa, contacts))
                except BadPayload as exc:
                    parsed.rejected.append((str(exc), m))
            for st in _list(value.get("statuses"), "statuses"):
                status = _dict(st, "statuses[]")
                if not status.get("id"):
                    raise BadPayload("status without id")
                parsed.statuses.append(status)
    if parsed.rejected and not parsed.messages and not parsed.statuses:
        raise BadPayload(parsed.rejected[0][0])
    return parsed


def _inbound(m: Any, by_wa: dict[str, dict[str, Any]], contacts: list[dict[str, Any]]) -> Inbound:
    """One message of a payload; raises BadPayload for it alone."""
    msg = _dict(m, "messages[]")
    if not isinstance(msg.get("id"), str) or not msg["id"].strip():
        raise BadPayload("message without id (a string)")
    for key in ("from", "from_user_id"):
        if msg.get(key) is not None and not isinstance(msg[key], str):
            raise BadPayload(f"message {key} is not a string")
    wa_id = msg["from"] if msg.get("from") else None
    contact = by_wa.get(wa_id or "") or (contacts[0] if len(contacts) == 1 else {})
    user_id = msg.get("from_user_id") or contact.get("user_id")
    if not wa_id and not user_id:
        raise BadPayload("message without sender (from / from_user_id)")
    try:
        raw_msg = RawMessage(
            message_id=str(msg["id"]),
            sender=wa_id or f"u:{user_id}",  # final key resolved when stored
            timestamp=_timestamp(msg.get("timestamp")),
            **_content(msg),
        )
    except ValidationError as exc:
        raise BadPayload(f"message {msg.get('type')}: {exc.errors()[0]['msg']}") from None
    return Inbound(raw_msg, msg, wa_id, str(user_id) if user_id else None)


# ---------------------------------------------------------------- storing

_local = threading.local()


def _db(settings: Settings) -> Database:
    """One connection per server thread (sqlite3 connections are not shared across threads)."""
    cache: dict[str, Database] = getattr(_local, "dbs", None) or {}
    _local.dbs = cache
    key = str(settings.db)
    if key not in cache:
        cache[key] = connect(settings.db)
    return cache[key]


def store(settings: Settings, parsed: Parsed) -> tuple[int, int]:
    """Durable write of everything in a payload; returns (new messages, re-deliveries)."""
    return store_many(_db(settings), [parsed])[0]


def store_many(
    db: Database, batch: list[Parsed], new_messages: list[tuple[str, str]] | None = None
) -> list[tuple[int, int]]:
    """Several payloads in one transaction: one commit (one fsync) for all of them. The
    (sender, message id) of each message stored for the first time is added to `new_messages`."""
    st = Store(db)
    fresh: list[tuple[str, str]] = []
    out = []
    with db.atomic():
        for parsed in batch:
            items = []
            for inbound in parsed.messages:
                sender = sender_key(db, inbound.wa_id, inbound.user_id)
                items.append((inbound.message.model_copy(update={"sender": sender}), inbound.raw))
            flags = st.add_messages_batch(items)
            for status in parsed.statuses:
                record_status(db, status)
            for (msg, _), is_new in zip(items, flags, strict=True):
                metrics.MESSAGES_IN.labels("whatsapp", msg.type.value, str(is_new).lower()).inc()
                if is_new:
                    fresh.append((msg.sender, msg.message_id))
            out.append((sum(flags), len(flags) - sum(flags)))
    if new_messages is not None:  # only once committed
        new_messages.extend(fresh)
    return out


class GroupWriter:
    """One writer thread per database, committing whatever requests arrived meanwhile together.

    Twenty concurrent requests each committing on their own connection queue up on SQLite's
    sleep-and-retry busy handler (p99 around a second on two busy cores); one writer with group
    commit answers each request right after the commit that made its messages durable.
    """

    MAX_BATCH = 256

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.intake = open_intake(settings.queue_url, settings.intake_partitions)
        self.q: queue.Queue[tuple[Parsed, asyncio.AbstractEventLoop, asyncio.Future[tuple[int, int]]]] = (
            queue.Queue()
        )
        threading.Thread(target=self._run, name="webhook-writer", daemon=True).start()

    async def write(self, parsed: Parsed) -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[tuple[int, int]] = loop.create_future()
        self.q.put((parsed, loop, fut))
        return await fut

    def _run(self) -> None:
        db: Database | None = None
        while True:
            jobs = [self.q.get()]
            while len(jobs) < self.MAX_BATCH:
                try:
                    jobs.append(self.q.get_nowait())
                except queue.Empty:
                    break
            fresh: list[tuple[str, str]] = []
            try:
                db = db or connect(self.settings.db)
                results: list[tuple[int, int] | Exception] = list(store_many(db, [j[0] for j in jobs], fresh))
            except Exception:
                # one bad payload must not fail the others committed with it: each on its own
                log.exception("webhook group write failed; writing its payloads one by one")
                results = []
                for job in jobs:
                    try:
                        results.extend(store_many(db, [job[0]], fresh) if db is not None else [])
                    except Exception as exc:  # noqa: BLE001 - answered 503, WhatsApp retries it
                        results.append(exc)
                if len(results) != len(jobs):
                    results = [RuntimeError("database unavailable")] * len(jobs)
            self._announce(fresh)
            for (_, loop, fut), res in zip(jobs, results, strict=True):
                if isinstance(res, Exception):
                    loop.call_soon_threadsafe(_settle, fut, None, res)
                else:
                    loop.call_soon_threadsafe(_settle, fut, res, None)

    def _announce(self, fresh: list[tuple[str, str]]) -> None:
        """Tell the assemblers which senders wrote (partitioned intake). The messages are already
        durable: if Redis is unreachable they are still answered 200, and the workers' sweep finds
        them in the store a little later."""
        if self.intake is None or not fresh:
            return
        try:
            self.intake.announce(fresh)
            metrics.INTAKE_ANNOUNCED.labels("ok").inc(len(fresh))
        except Exception as exc:  # noqa: BLE001 - see above: nothing is lost, only later
            metrics.INTAKE_ANNOUNCED.labels("failed").inc(len(fresh))
            log.warning("intake stream unavailable; the sweep will assemble these: %s", exc)


def _settle(fut: asyncio.Future[tuple[int, int]], res: tuple[int, int] | None, exc: Exception | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        assert res is not None
        fut.set_result(res)


_writers: dict[str, GroupWriter] = {}
_writers_lock = threading.Lock()


def writer_for(settings: Settings) -> GroupWriter:
    with _writers_lock:
        path = sqlite_path(settings.db)
        key = str(path.resolve()) if path else settings.db
        if key not in _writers:
            _writers[key] = GroupWriter(settings)
        return _writers[key]


def _reject(settings: Settings, status: int, reason: str, body: bytes, *, keep: bool = True) -> Response:
    metrics.WEBHOOK_REQUESTS.labels(str(status)).inc()
    _record_reject(settings, status, reason, body, keep=keep)
    return JSONResponse({"error": reason}, status_code=status)


def _record_reject(settings: Settings, status: int, reason: str, body: bytes, *, keep: bool = True) -> None:
    masked = mask_text(body[:2000].decode("utf-8", "replace"))
    log.warning("webhook rejected", extra={"status": status, "reason": reason, "body": masked[:500]})
    if keep:
        try:
            db = _db(settings)
            with db.atomic():
                db.execute(
                    "INSERT INTO webhook_rejects (status, reason, body_masked, received_at) VALUES (?,?,?,?)",
                    [status, reason[:500], masked, now_iso()],
                )
        except Exception:  # the log line above is enough; never fail the answer over this
            log.exception("could not record a rejected webhook")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: Any) -> Any:
    """The payload with every lone UTF-16 surrogate ("\\ud800", legal in JSON, not in UTF-8) replaced.

    Such a string cannot be written to the database; left in, it failed the whole group commit and
    with it every good payload written alongside. Walked without recursion: the payload may be as
    deep as json.loads allows.
    """
    root = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                container[key] = _LONE_SURROGATE.sub("\ufffd", item)
        elif isinstance(item, dict):
            for k in list(item):
                if isinstance(k, str) and _LONE_SURROGATE.search(k):
                    item[_LONE_SURROGATE.sub("\ufffd", k)] = item.pop(k)
            stack.extend((item, k) for k in item)
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
    return root[0]


def valid_signature(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def sign(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header value for a body (tests, load test, stand-ins)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- routes


@router.get(PATH)
def verify(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    q = request.query_params
    token = settings.whatsapp_verify_token
    if (
        q.get("hub.mode") == "subscribe"
        and token
        and hmac.compare_digest(q.get("hub.verify_token", ""), token)
        and q.get("hub.challenge") is not None
    ):
        return PlainTextResponse(q["hub.challenge"])
    return PlainTextResponse("forbidden", status_code=403)


@router.post(PATH)
async def receive(request: Request) -> Response:
    started = time.perf_counter()
    settings: Settings = request.app.state.settings
    limit = settings.webhook_max_body_bytes
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:  # said before anything is read or verified: nothing is stored for it
        return _reject(settings, 413, f"body larger than {limit} bytes", b"", keep=False)
    chunks: list[bytes] = []
    size = 0
    stream = request.stream().__aiter__()
    while True:
        try:  # a body that stalls holds a connection and a worker: it gets a deadline per chunk
            chunk = await asyncio.wait_for(stream.__anext__(), settings.webhook_body_timeout_s)
        except StopAsyncIteration:
            break
        except TimeoutError:
            return _reject(settings, 408, "request body stalled", b"", keep=False)
        size += len(chunk)
        if size > limit:
            return _reject(settings, 413, f"body larger than {limit} bytes", b"", keep=True)
        chunks.append(chunk)
    body = b"".join(chunks)
    secret = settings.whatsapp_app_secret
    if not secret or not valid_signature(secret, body, request.headers.get("x-hub-signature-256")):
        reason = "webhook secret not configured" if not secret else "missing or invalid X-Hub-Signature-256"
        return _reject(settings, 401, reason, b"", keep=False)
    try:
        payload = without_lone_surrogates(json.loads(body))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _reject(settings, 400, f"body is not JSON: {exc}", body)
    except RecursionError:
        return _reject(settings, 400, "body is nested too deeply", body)
    try:
        parsed = parse(payload)
    except BadPayload as exc:
        return _reject(settings, 422, f"unknown payload shape: {exc}", body)
    for reason, message in parsed.rejected:  # kept for a person, like a rejected payload
        _record_reject(settings, 422, f"message skipped: {reason}", json.dumps(message, default=str).encode())
    try:
        new, dup = await writer_for(settings).write(parsed)
    except Exception as exc:  # not stored: 503 so WhatsApp delivers it again later
        log.error("webhook not stored: %s", exc)
        metrics.WEBHOOK_REQUESTS.labels("503").inc()
        return JSONResponse({"error": "temporarily unable to store; retry"}, status_code=503)
    metrics.WEBHOOK_REQUESTS.labels("200").inc()
    metrics.WEBHOOK_LATENCY.observe(time.perf_counter() - started)
    answer = {"received": new, "duplicates": dup, "statuses": len(parsed.statuses)}
    if parsed.rejected:
        answer["skipped"] = len(parsed.rejected)
    return JSONResponse(answer)
