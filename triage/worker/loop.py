"""`triage worker`: assemble reports, take them from the queue, judge each exactly once.

Why it is shaped this way: Lapor Mas Wapres lost messages when one slow step blocked intake. Here
the webhook only stores; this process does the slow part with bounded concurrency, and every
step is safe to repeat: a report id may be delivered twice (at-least-once queue) but the
database keeps one result per report; a crash leaves a lease that expires and the item returns;
an unreachable model only delays a report (nack with backoff), it never decides it.

Several workers, on one machine or many: they share the store (the SQLite file on one machine,
PostgreSQL across machines) and the queue. With the default SQLite queue they claim rows
atomically; with `TRIAGE_QUEUE_URL=redis://...` they form one Redis consumer group, and the
webhook also appends each message to an intake stream partitioned by sender: each worker
assembles its share of the partitions (`intake.partitions`), so a sender's run is grouped in one
place while several assemblers work at once. Without Redis one assembler at a time does all of
it. Report ids derive from the first message, inserts are idempotent, `put` ignores known ids.
The store stays the source of truth: a sweeper re-enqueues pending reports and assembles
messages no stream entry named, so even a Redis that lost its data (restart without
persistence) loses no work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from triage import metrics
from triage.config import Settings
from triage.evals.gate import release_awaiting
from triage.intake import assembler, partitions
from triage.intake.partitions import open_intake
from triage.intake.queue import Lease, Queue, describe, open_queue
from triage.judge.llm import LLM
from triage.judge.prompt import Prompt, load_prompt
from triage.schema import utcnow
from triage.sp4n.outbox import start_relay_thread
from triage.store.database import Database, connect
from triage.store.database import unavailable as store_unavailable
from triage.store.reports import Store, backlogs
from triage.worker import readiness
from triage.worker.service import Processed, process_report

log = logging.getLogger(__name__)
T = TypeVar("T")


def backoff(n: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter (n = retries so far), so retries of an outage spread out."""
    delay: float = min(cap, base * (2 ** max(0, n)))
    return delay * random.uniform(0.5, 1.0)


class Slot:
    """One unit of concurrency: a thread of its own, with its own SQLite connection."""

    def __init__(self, index: int, db_path: str) -> None:
        self.index = index
        self.executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"slot{index}")
        self.db_path = db_path
        self._db: Database | None = None
        self.lease: Lease | None = None
        self.since: float | None = None  # monotonic time the current report was taken

    def db(self) -> Database:
        if self._db is None:
            self._db = connect(self.db_path)
        return self._db

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)


class Worker:
    def __init__(
        self, settings: Settings, llm_base_url: str, *, name: str | None = None, hard_exit: bool = False
    ) -> None:
        """`hard_exit`: the CLI process exits at once when a model call outlives the grace period
        (its lease is released first); in-process users (tests) just get `run()` returning."""
        self.settings = settings
        self.hard_exit = hard_exit
        self.llm_base_url = llm_base_url
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.queue: Queue = open_queue(settings.queue_url, str(settings.db))
        self.intake = open_intake(settings.queue_url, settings.intake_partitions)
        self.prompt: Prompt = load_prompt(settings.prompt)
        self.llm = LLM(settings, llm_base_url)
        self.stopping = asyncio.Event()
        self.slots = [Slot(i, str(settings.db)) for i in range(settings.worker_concurrency)]
        self.aux = Slot(-1, str(settings.db))  # assembler, sweeper, replies
        self.last_tick = time.monotonic()
        self.processed = 0
        self._metrics_server: Any = None

    # ------------------------------------------------------------ main loop

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig)
        self._start_metrics()
        log.info(
            "worker started",
            extra={
                "worker": self.name,
                "concurrency": len(self.slots),
                "queue": describe(self.settings.queue_url),
            },
        )
        tasks = [asyncio.create_task(self._slot_loop(s)) for s in self.slots]
        aux = asyncio.create_task(self._aux_loop())
        relay_stop = threading.Event()
        relay = start_relay_thread(self.settings, relay_stop) if self.settings.worker_relay else None
        await self.stopping.wait()
        relay_stop.set()
        if relay is not None:
            relay.join(timeout=5)
        grace = self.settings.worker_shutdown_grace_s
        await asyncio.wait(tasks, timeout=grace)
        aux.cancel()
        stuck = [s for s in self.slots if s.lease is not None]
        for slot in stuck:  # still busy after the grace period: give the item back, uncounted
            lease = slot.lease
            assert lease is not None
            try:
                self.queue.nack(lease, "released at shutdown", 0.0, count=False)
                log.warning("released at shutdown", extra={"report_id": lease.item_id})
            except Exception:
                log.exception("could not release %s (its lease will expire)", lease.item_id)
        self._stop_metrics()
        log.info("worker stopped", extra={"worker": self.name, "processed": self.processed})
        if stuck:
            # A thread is still inside a model call; its lease is released, so do not wait for it.
            if self.hard_exit:
                logging.shutdown()
                os._exit(0)
            return 0
        for s in [*self.slots, self.aux]:
            s.executor.shutdown(wait=True)
        self._leave_intake()
        self.queue.close()
        return 0

    def _leave_intake(self) -> None:
        """Give this worker's partitions back now rather than when their lease runs out."""
        if self.intake is None:
            return
        try:
            self.intake.leave(self.name)
        except Exception as exc:  # noqa: BLE001 - the leases expire on their own
            log.warning("could not give the intake partitions back: %s", exc)
        self.intake.close()

    def request_stop(self, sig: int | None = None) -> None:
        if not self.stopping.is_set():
            log.info("stop requested: taking no new work", extra={"signal": sig})
            self.stopping.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once on stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    async def _slot_loop(self, slot: Slot) -> None:
        s = self.settings
        errors = 0
        while not self.stopping.is_set():
            self.last_tick = time.monotonic()
            try:
                lease = await slot.run(self.queue.get, self.name, s.worker_lease_s)
                errors = 0
            except Exception as exc:  # queue backend down (e.g. Redis restarting): wait, retry
                errors += 1
                log.warning("queue unavailable: %s", exc, extra={"worker": self.name})
                await self._sleep(backoff(errors, 0.5, 10.0))
                continue
            if lease is None:
                await self._sleep(s.worker_poll_s)
                continue
            slot.lease, slot.since = lease, time.monotonic()
            try:
                await self._handle(slot, lease)
            finally:
                slot.lease, slot.since = None, None

    async def _handle(self, slot: Slot, lease: Lease) -> None:
        s = self.settings
        rid = lease.item_id
        if lease.deliveries > s.worker_max_deliveries:
            error = lease.last_error or f"delivered {lease.deliveries - 1} times without an answer"
            await self._queue_call(slot, self.queue.dead, lease, error)
            await slot.run(self._mark_dead, slot, rid, error)
            metrics.DEAD_LETTERS_TOTAL.inc()
            log.error("dead letter", extra={"report_id": rid, "deliveries": lease.deliveries})
            return
        metrics.IN_FLIGHT.inc()
        heartbeat = asyncio.create_task(self._heartbeat(lease))
        try:
            done: Processed = await slot.run(self._process, slot, rid)
        except Exception as exc:
            heartbeat.cancel()
            if store_unavailable(exc):  # like a model outage: the report waits, uncounted
                delay = backoff(lease.retries, s.worker_backoff_base_s, s.worker_backoff_max_s)
                log.warning("store unavailable; retrying in %.1fs: %s", delay, exc, extra={"report_id": rid})
                metrics.RETRIES.labels("store_unavailable").inc()
                error = f"store unavailable: {type(exc).__name__}"
                await self._queue_call(slot, lambda: self.queue.nack(lease, error, delay, count=False))
                return
            delay = backoff(lease.deliveries, s.worker_backoff_base_s, s.worker_backoff_max_s)
            log.exception("processing failed; retrying in %.1fs", delay, extra={"report_id": rid})
            metrics.RETRIES.labels("error").inc()
            await self._queue_call(slot, self.queue.nack, lease, f"{type(exc).__name__}: {exc}", delay)
            return
        finally:
            metrics.IN_FLIGHT.dec()
        heartbeat.cancel()
        if done.outcome is None:  # model unavailable: wait and retry, never judge
            delay = backoff(lease.retries, s.worker_backoff_base_s, s.worker_backoff_max_s)
            metrics.RETRIES.labels("llm_unavailable").inc()
            if lease.retries and lease.retries % 10 == 0:  # not a blip: tell the operator loudly
                log.error(
                    "report has waited for the model %d times: %s",
                    lease.retries,
                    (done.error or "")[:300],
                    extra={"report_id": rid},
                )
            log.warning(
                "model unavailable; report waits %.1fs",
                delay,
                extra={"report_id": rid, "retries": lease.retries},
            )
            await self._queue_call(
                slot, lambda: self.queue.nack(lease, f"llm unavailable: {done.error}", delay, count=False)
            )
            return
        await self._queue_call(slot, self.queue.ack, lease)
        self.processed += 1
        if done.new and done.decision is not None:
            r = done.decision.result
            metrics.REPORTS.labels(
                r.verdict.value, r.reason.value if r.reason else "", done.outcome.value
            ).inc()
            if done.decision.attempts:
                metrics.LLM_LATENCY.observe(done.decision.latency_ms / 1000)
                metrics.LLM_TOKENS.labels("prompt").inc(sum(a.prompt_tokens for a in done.decision.attempts))
                metrics.LLM_TOKENS.labels("completion").inc(
                    sum(a.completion_tokens for a in done.decision.attempts)
                )
            log.info(
                "report decided",
                extra={
                    "report_id": rid,
                    "verdict": r.verdict.value,
                    "reason": r.reason.value if r.reason else None,
                    "outcome": done.outcome.value,
                    "decided_by": r.decided_by,
                    "latency_ms": round(done.decision.latency_ms, 1),
                },
            )
        else:
            log.info("already decided; acked duplicate delivery", extra={"report_id": rid})

    async def _queue_call(self, slot: Slot, fn: Callable[..., Any], *args: Any) -> None:
        """Ack/nack must not be lost to a brief queue outage: retry for a while, then let the lease expire."""
        for attempt in range(8):
            try:
                await slot.run(fn, *args)
                return
            except Exception as exc:
                log.warning("queue call failed (%s); retrying", exc)
                await asyncio.sleep(backoff(attempt, 0.5, 5.0))
        log.error("giving up on a queue call; the lease will expire and the item return")

    async def _heartbeat(self, lease: Lease) -> None:
        """Keep the lease while a slow model works, so no other worker takes the report meanwhile."""
        every = max(1.0, self.settings.worker_lease_s / 3)
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(self.queue.extend, lease, self.settings.worker_lease_s)
            except Exception as exc:
                log.warning("lease heartbeat failed: %s", exc, extra={"report_id": lease.item_id})

    def _process(self, slot: Slot, report_id: str) -> Processed:
        db = slot.db()
        done = process_report(db, self.settings, self.llm, self.prompt, report_id)
        if done.outcome is not None and not done.new and Store(db).settle_decided(report_id):
            log.warning("repaired the status of a decided report", extra={"report_id": report_id})
        if done.outcome is not None and done.new and self.settings.worker_send_replies:
            from triage.intake import whatsapp

            whatsapp.queue_verdict_reply(db, self.settings, report_id)
        return done

    def _mark_dead(self, slot: Slot, report_id: str, error: str) -> None:
        Store(slot.db()).mark_dead(report_id, error)

    # ------------------------------------------------------------ assembler, sweeper, replies

    async def _aux_loop(self) -> None:
        last_sweep = 0.0
        while not self.stopping.is_set():
            self.last_tick = time.monotonic()  # the loop is alive even when every slot waits on the model
            try:
                sweep = time.monotonic() - last_sweep >= self.settings.worker_sweep_s
                await self.aux.run(self._aux_once, sweep)
                if sweep:
                    last_sweep = time.monotonic()
            except Exception as exc:
                log.warning("assembler/sweeper step failed: %s", exc)
            await self._sleep(1.0)

    def _aux_once(self, sweep: bool) -> None:
        db = self.aux.db()
        store = Store(db)
        window = timedelta(seconds=self.settings.assemble_window_s)
        followup = timedelta(hours=self.settings.followup_window_h)
        if self.intake is not None:
            lease = self.settings.worker_lease_s
            made = partitions.assemble_round(
                self.intake, store, self.name, lease, window, utcnow(), followup, sweep=sweep
            )
        else:
            made = assembler.assemble_with_followups(store, window, utcnow(), followup)
        for report, parent in made:
            metrics.REPORTS_ASSEMBLED.inc()
            self.queue.put(report.report_id)
            if parent:
                log.info(
                    "answer joins the report that asked",
                    extra={"report_id": report.report_id, "parent": parent},
                )
            # An answer to our question keeps the asking report's ticket: no new acknowledgement.
            if self.settings.worker_send_replies and store.ticket(report.report_id) == report.report_id:
                from triage.intake import whatsapp

                whatsapp.queue_ack(db, self.settings, report.report_id)
        if sweep:
            # The database is the truth: a pending report missing from the queue (a crash between
            # commit and put, a Redis restart without persistence) is enqueued again; known ids no-op.
            store.settle_decided()
            for rid in store.pending_report_ids():
                self.queue.put(rid)
            # Valid reports held while this prompt+model had not passed the eval gate go on once
            # it has (the gate logs, once, why it is closed).
            released = release_awaiting(db, self.settings, self.prompt, self.llm.model)
            if released:
                log.info("eval gate open: released reports to SP4N", extra={"released": released})
        if self.settings.worker_send_replies:
            from triage.intake import whatsapp

            whatsapp.deliver_due(db, self.settings)

    # ------------------------------------------------------------ health and metrics

    def health(self) -> tuple[bool, dict[str, Any]]:
        idle = time.monotonic() - self.last_tick
        ok = not self.stopping.is_set() and idle < max(30.0, self.settings.worker_lease_s)
        return ok, {
            "status": "ok" if ok else "unhealthy",
            "worker": self.name,
            "in_flight": sum(1 for s in self.slots if s.lease is not None),
            # a model call that hangs shows here (and in triage_worker_oldest_report_seconds)
            "oldest_in_flight_s": round(self.oldest_in_flight(), 1),
            "processed": self.processed,
            "stopping": self.stopping.is_set(),
        }

    def _start_metrics(self) -> None:
        port = self.settings.worker_metrics_port
        metrics.bind_gauges(
            self.queue.depth, lambda: len(self.queue.dead_letters()), lambda: backlogs(self.settings.db)
        )
        metrics.bind_model_up(lambda: readiness.probe_model(self.settings, self.llm_base_url).ok)
        metrics.OLDEST_REPORT.set_function(self.oldest_in_flight)
        if not port:
            return
        self._metrics_server = metrics.serve(self.settings.worker_metrics_host, port, self.health, self.ready)

    def oldest_in_flight(self) -> float:
        """Seconds the longest-running report of this worker has been in hand (0 when idle)."""
        now = time.monotonic()
        return max((now - s.since for s in self.slots if s.since is not None), default=0.0)

    def ready(self) -> tuple[bool, dict[str, Any]]:
        """Alive (`health`) and able to work: database, queue and model endpoint all answering."""
        alive, _ = self.health()
        found = readiness.check(self.settings, self.llm_base_url)
        return alive and found.ready, {**found.body(), "worker": self.name, "alive": alive}

    def _stop_metrics(self) -> None:
        if self._metrics_server is not None:
            threading.Thread(target=self._metrics_server.shutdown, daemon=True).start()
