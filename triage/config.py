"""Settings from `TRIAGE_*` environment variables (names are a contract, see DESIGN.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".cache" / "lapor-triage"


class Sp4nTuning(BaseModel):
    """How the SP4N relay delivers (from the `TRIAGE_SP4N_*` settings; tests build it directly)."""

    max_attempts: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=10.0, gt=0)
    backoff_initial_s: float = Field(default=5.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    batch: int | None = Field(default=None, ge=1)
    lease_s: float | None = None

    @property
    def claim_size(self) -> int:
        return self.batch or self.concurrency

    @property
    def lease(self) -> float:
        return self.lease_s if self.lease_s is not None else 3 * self.timeout_s + 5.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    db: Annotated[str, BeforeValidator(str)] = Field(
        default="triage.db",
        description="the store: a SQLite file (default; created and migrated on first use) or "
        "postgresql://user:pass@host/db, the store several machines share",
    )
    home: Path = Field(default=DEFAULT_HOME, description="where the assembled embedded model file is kept")

    # LLM: when base_url is unset the embedded llama.cpp server is started (or reused).
    llm_base_url: str | None = Field(
        default=None, description="an OpenAI-compatible endpoint; unset: start or reuse the embedded model"
    )
    llm_model: str = Field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m", description="model name sent to the endpoint"
    )
    llm_api_key: str = Field(default="not-needed", description="API key for the endpoint")
    # A fresh embedded server reads the whole prompt (~2.8k tokens) on its first request: about
    # 2.5 minutes on a 2-core machine. A shorter timeout would abandon that work and start over.
    llm_timeout_s: float = Field(default=300.0, description="seconds per model request")
    llm_max_attempts: int = Field(default=2, ge=1, le=5, description="model answers per report")
    llm_token_budget: int = Field(default=6000, description="prompt+completion tokens per report")
    llm_transient_retries: int = Field(
        default=4, ge=1, description="tries of one request on connection errors, timeouts, 429 and 5xx"
    )
    llm_max_tokens: int = Field(default=400, description="completion tokens per model answer")
    llm_max_text_chars: int = Field(
        default=1800,
        ge=200,
        description="a longer report is read by the model from its opening (cut at a sentence end) so it "
        "fits the context with the prompt and a re-ask; the rules read the whole text",
    )
    llm_temperature: float = Field(default=0.0, description="sampling temperature (0: greedy)")
    llm_json_schema_mode: str = Field(
        default="auto",
        description="how the JSON schema is sent: llama_cpp (json_object + schema grammar), openai "
        "(json_schema), none (not at all: the examples teach the format and the validator re-asks; "
        "~13% faster generation on 2 cores, see benchmarks/grammar_cost.py), or auto (llama_cpp "
        "for the embedded server, openai otherwise)",
    )

    # Embedded model server
    embedded_host: str = Field(default="127.0.0.1", description="address of the embedded model server")
    embedded_port: int = Field(default=8765, description="port of the embedded model server")
    embedded_threads: int = Field(default=2, description="CPU threads of the embedded model")
    embedded_ctx: int = Field(default=4096, description="context window of the embedded model, tokens")
    # Prompt-lookup speculative decoding: the answer copies much of its text (JSON keys from the
    # examples, quotes from the message), so drafting N tokens from the prompt and checking them in
    # one batch writes several tokens per forward pass. 0 turns it off. See benchmarks/speculative.py.
    embedded_draft_tokens: int = Field(
        default=0,
        ge=0,
        le=64,
        description="llama-cpp-python's prompt-lookup drafting; 0 = off (slower on 2 cores)",
    )
    # Answer-shape drafting (triage.model.drafting): up to N tokens a step that the answer's JSON shape,
    # an enum value's first letters or a quote being copied make predictable; the model checks
    # them in one pass and still picks every token. 0 turns it off. See benchmarks/speculative.py.
    embedded_answer_draft: int = Field(
        default=12, ge=0, le=64, description="answer-shape drafting: tokens drafted a step; 0 = off"
    )
    # Greedy decoding asks the grammar about the best token first instead of the whole vocabulary
    # (triage.model.server.GreedyGrammarSampler): the same tokens, ~a third less time per token.
    embedded_fast_sampler: bool = Field(default=True, description="greedy grammar sampling, best token first")
    # While the model writes a quote, take its best token that keeps the quote a verbatim stretch
    # of the message (triage.model.server.QuoteGuard): fewer refused answers and re-asks. Needs the
    # fast sampler.
    embedded_copy_quotes: bool = Field(
        default=True, description="keep each quote a verbatim stretch of the message while it is written"
    )
    # llama.cpp's fused attention kernel. Off: on 2 AVX2 cores it measured 1.25-1.35x the latency
    # of the default, A-B-A-B on 8 dev messages (benchmarks/speculative.py answer12 answer12+fa).
    embedded_flash_attn: bool = Field(default=False, description="llama.cpp's fused attention kernel")

    prompt: Path = Field(
        default=Path("prompts/triage.toml"),
        description="the prompt file (relative paths: from the working directory)",
    )
    checks: Path = Field(
        default=Path("prompts/checks.toml"),
        description="the model's yes/no checks (relative paths: from the working directory)",
    )
    llm_checks: bool = Field(
        default=False,
        description="ask the model's yes/no checks (prompts/checks.toml) after its answer where the report "
        "would leave the system; off: on the tuning split the embedded 1.5B model's share of 'ya' did not "
        "separate junk from complaints (ROC AUC 0.44-0.71 by question, docs/evaluation.md)",
    )
    queue_url: str = Field(
        default="sqlite://", description="intake queue: sqlite:// (embedded) or redis://host:port/db"
    )
    intake_partitions: int = Field(
        default=8,
        ge=1,
        le=1024,
        description="with a redis:// queue, the webhook appends each message to one of N streams by "
        "sender and each worker assembles its share of them; the same N for every process",
    )

    outbox_jsonl: Path = Field(
        default=Path("sp4n_outbox.jsonl"), description="SP4N records go to this file when no SP4N URL is set"
    )
    sp4n_url: str | None = Field(default=None, description="the SP4N-LAPOR! intake endpoint")
    sp4n_token: str | None = Field(default=None, description="Bearer (JSON) or XML token for SP4N")
    sp4n_flavour: str = Field(default="json", description="SP4N API flavour: json or xml (legacy stream)")
    sp4n_max_attempts: int = Field(default=8, ge=1, description="SP4N deliveries before a row is dead")
    sp4n_timeout_s: float = Field(default=10.0, gt=0, description="seconds per SP4N HTTP request")
    sp4n_backoff_initial_s: float = Field(
        default=5.0, gt=0, description="first retry delay of a failed delivery"
    )
    sp4n_backoff_max_s: float = Field(default=3600.0, gt=0, description="longest retry delay of a delivery")
    sp4n_concurrency: int = Field(default=4, ge=1, le=64, description="SP4N deliveries in flight at once")
    sp4n_batch: int | None = Field(
        default=None,
        ge=1,
        description="rows claimed per relay pass; default: concurrency, so no "
        "claimed row waits in a queue while its lease runs out",
    )
    sp4n_lease_s: float | None = Field(
        default=None,
        description="how long a claimed row is skipped by other relays; default 3x timeout + 5 s",
    )

    review_threshold: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="below this confidence a rejection goes to a reviewer, not the archive",
    )
    review_second_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="share of reviewers' decisions reviewed again, blind, by another reviewer (agreement)",
    )
    gate_config: Path = Field(
        default=Path("evals/gate.toml"),
        description="gate dataset and bars (relative paths: from the working directory)",
    )

    host: str = Field(default="127.0.0.1", description="`triage serve` bind address")
    trusted_proxies: str = Field(
        default="",
        description="comma-separated proxy addresses whose X-Forwarded-For is believed; empty: none "
        "(otherwise anyone could rotate the header to dodge the login lock)",
    )
    secure_cookies: bool = Field(
        default=False, description="mark session cookies Secure (set it behind a TLS-terminating proxy)"
    )
    api_docs: bool = Field(default=False, description="serve /docs and /openapi.json on `triage serve`")
    public_metrics: bool = Field(
        default=False,
        description="serve /metrics on `triage serve`'s port (the worker has its own metrics port)",
    )
    webhook_body_timeout_s: float = Field(
        default=10.0, gt=0, description="a webhook body that stalls this long is answered 408"
    )
    port: int = Field(default=8080, description="`triage serve` port")
    whatsapp_verify_token: str | None = Field(default=None, description="WhatsApp webhook verify token")
    whatsapp_app_secret: str | None = Field(default=None, description="WhatsApp app secret (signatures)")
    whatsapp_access_token: str | None = Field(default=None, description="WhatsApp Cloud API token (replies)")
    whatsapp_api_base: str = Field(
        default="https://graph.facebook.com/v21.0", description="WhatsApp Cloud API base URL"
    )
    whatsapp_phone_number_id: str = Field(default="0", description="the sending WhatsApp number's id")
    # Media: voice notes and photos (triage.media). Fetched by the worker, never by the webhook.
    media_dir: Path | None = Field(
        default=None,
        description="where fetched media are kept by sha256; unset: beside the SQLite file "
        "(<db>.media/), or <home>/media on PostgreSQL (set a shared mount for several machines)",
    )
    media_store: str | None = Field(
        default=None,
        description="s3://bucket/prefix: keep media in an S3-compatible object store every machine "
        "reaches instead of TRIAGE_MEDIA_DIR",
    )
    media_s3_endpoint: str | None = Field(
        default=None, description="the object store's URL (MinIO, Ceph RGW, ...); unset: AWS S3"
    )
    media_s3_region: str = Field(default="us-east-1", description="the object store's region")
    media_s3_access_key: str | None = Field(
        default=None, description="object store key id; unset: boto3's own chain (AWS_* variables, roles)"
    )
    media_s3_secret_key: str | None = Field(default=None, description="object store secret key")
    media_max_bytes: int = Field(default=16_000_000, gt=0, description="larger media are refused")
    media_fetch_timeout_s: float = Field(default=30.0, gt=0, description="seconds per media request")
    media_fetch_attempts: int = Field(default=4, ge=1, le=10, description="tries of one media fetch")
    asr_engine: Literal["embedded", "openai", "off"] = Field(
        default="embedded",
        description="voice notes: embedded Whisper base on the CPU, an OpenAI-compatible "
        "/v1/audio/transcriptions endpoint (asr_base_url), or off (a voice note goes to review)",
    )
    asr_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint for asr_engine=openai"
    )
    asr_api_key: str = Field(default="not-needed", description="API key for asr_base_url")
    asr_model: str = Field(default="whisper-1", description="model name sent to asr_base_url")
    asr_language: str = Field(default="id", description="language of voice notes; 'auto' = detect")
    asr_budget_s: float = Field(default=90.0, gt=0, description="seconds of transcription per voice note")
    asr_min_confidence: float = Field(
        default=0.55,
        ge=0,
        le=1,
        description="a transcript less sure than this lowers the result's confidence to it "
        "(so a rejection of it goes to review)",
    )
    assemble_window_s: float = Field(
        default=120.0, description="a sender's quiet seconds that close a report"
    )

    # Intake and worker
    webhook_max_body_bytes: int = Field(default=1_000_000, description="larger POSTs get 413")
    worker_concurrency: int = Field(default=2, ge=1, le=64, description="reports in flight per worker")
    worker_lease_s: float = Field(default=60.0, description="visibility timeout of a queue lease")
    worker_max_deliveries: int = Field(default=5, ge=1, description="failed deliveries before dead letter")
    worker_backoff_base_s: float = Field(default=2.0, description="first redelivery delay of a failed report")
    worker_backoff_max_s: float = Field(default=60.0, description="longest redelivery delay")
    worker_poll_s: float = Field(default=0.5, description="idle queue poll, seconds")
    worker_sweep_s: float = Field(default=15.0, description="re-enqueue pending reports every N s")
    worker_shutdown_grace_s: float = Field(default=30.0, description="SIGTERM: finish work for N s")
    worker_metrics_host: str = Field(default="127.0.0.1", description="worker /healthz and /metrics address")
    worker_metrics_port: int = Field(default=9108, description="/healthz and /metrics; 0 = off")
    worker_send_replies: bool = Field(default=True, description="send acks/verdict replies")
    worker_relay: bool = Field(default=True, description="deliver the SP4N outbox from the worker")
    whatsapp_reply_window_h: float = Field(default=24.0, description="customer-service window")
    followup_window_h: float = Field(default=72.0, description="answers to needs_info attach this long")

    @property
    def sp4n(self) -> Sp4nTuning:
        """The relay's delivery tuning, as one value the relay functions pass around."""
        return Sp4nTuning(
            max_attempts=self.sp4n_max_attempts,
            timeout_s=self.sp4n_timeout_s,
            backoff_initial_s=self.sp4n_backoff_initial_s,
            backoff_max_s=self.sp4n_backoff_max_s,
            concurrency=self.sp4n_concurrency,
            batch=self.sp4n_batch,
            lease_s=self.sp4n_lease_s,
        )

    @property
    def media_root(self) -> Path:
        """Where media files live: configured, beside the SQLite file, or under home on PostgreSQL."""
        if self.media_dir is not None:
            return self.media_dir
        if self.db.startswith(("postgresql:", "postgres:")):
            return self.home / "media"
        path = self.db.removeprefix("sqlite:///")
        return Path(path + ".media") if path != ":memory:" else self.home / "media"

    @property
    def embedded(self) -> bool:
        return not self.llm_base_url

    @property
    def schema_mode(self) -> str:
        if self.llm_json_schema_mode != "auto":
            return self.llm_json_schema_mode
        return "llama_cpp" if self.embedded else "openai"


def get_settings() -> Settings:
    return Settings()
