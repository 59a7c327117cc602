"""Settings from `TRIAGE_*` environment variables (names are a contract, see DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".cache" / "lapor-triage"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    db: Path = Field(default=Path("triage.db"), description="SQLite database file")
    home: Path = Field(default=DEFAULT_HOME, description="cache for the assembled model file")

    # LLM: when base_url is unset the embedded llama.cpp server is started (or reused).
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    llm_api_key: str = "not-needed"
    # A fresh embedded server reads the whole prompt (~2.8k tokens) on its first request: about
    # 2.5 minutes on a 2-core machine. A shorter timeout would abandon that work and start over.
    llm_timeout_s: float = 300.0
    llm_max_attempts: int = Field(default=2, ge=1, le=5, description="model answers per report")
    llm_token_budget: int = Field(default=6000, description="prompt+completion tokens per report")
    llm_transient_retries: int = Field(default=4, ge=1)
    llm_max_tokens: int = 400
    llm_temperature: float = 0.0
    llm_json_schema_mode: str = Field(
        default="auto",
        description="how the JSON schema is sent: llama_cpp (json_object + schema grammar), openai "
        "(json_schema), none (not at all: the examples teach the format and the validator re-asks; "
        "~13% faster generation on 2 cores, see benchmarks/grammar_cost.py), or auto (llama_cpp "
        "for the embedded server, openai otherwise)",
    )

    # Embedded model server
    embedded_host: str = "127.0.0.1"
    embedded_port: int = 8765
    embedded_threads: int = 2
    embedded_ctx: int = 4096
    # Prompt-lookup speculative decoding: the answer copies much of its text (JSON keys from the
    # examples, quotes from the message), so drafting N tokens from the prompt and checking them in
    # one batch writes several tokens per forward pass. 0 turns it off. See benchmarks/speculative.py.
    embedded_draft_tokens: int = Field(default=0, ge=0, le=64)
    # Answer-shape drafting (triage.drafting): up to N tokens a step that the answer's JSON shape,
    # an enum value's first letters or a quote being copied make predictable; the model checks
    # them in one pass and still picks every token. 0 turns it off. See benchmarks/speculative.py.
    embedded_answer_draft: int = Field(default=12, ge=0, le=64)
    # Greedy decoding asks the grammar about the best token first instead of the whole vocabulary
    # (triage.model_server.GreedyGrammarSampler): the same tokens, ~a third less time per token.
    embedded_fast_sampler: bool = True
    # While the model writes a quote, take its best token that keeps the quote a verbatim stretch
    # of the message (triage.model_server.QuoteGuard): fewer refused answers and re-asks. Needs the
    # fast sampler.
    embedded_copy_quotes: bool = True
    # llama.cpp's fused attention kernel. Off: on 2 AVX2 cores it measured 1.25-1.35x the latency
    # of the default, A-B-A-B on 8 dev messages (benchmarks/speculative.py answer12 answer12+fa).
    embedded_flash_attn: bool = False

    prompt: Path | None = Field(default=None, description="prompt file; default prompts/triage.md")
    queue_url: str = Field(default="sqlite://", description="sqlite:// (default) or redis://host:port")

    outbox_jsonl: Path = Field(default=Path("sp4n_outbox.jsonl"))
    sp4n_url: str | None = None
    sp4n_token: str | None = None
    sp4n_flavour: str = "json"

    review_threshold: float = Field(default=0.6, ge=0, le=1)
    gate_config: Path = Field(default=Path("evals/gate.toml"))

    host: str = "127.0.0.1"
    port: int = 8080
    whatsapp_verify_token: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_access_token: str | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str = "0"
    assemble_window_s: float = 120.0

    # Intake and worker (issue 5)
    webhook_max_body_bytes: int = Field(default=1_000_000, description="larger POSTs get 413")
    worker_concurrency: int = Field(default=2, ge=1, le=64, description="reports in flight per worker")
    worker_lease_s: float = Field(default=60.0, description="visibility timeout of a queue lease")
    worker_max_deliveries: int = Field(default=5, ge=1, description="failed deliveries before dead letter")
    worker_backoff_base_s: float = 2.0
    worker_backoff_max_s: float = 60.0
    worker_poll_s: float = 0.5
    worker_sweep_s: float = Field(default=15.0, description="re-enqueue pending reports every N s")
    worker_shutdown_grace_s: float = Field(default=30.0, description="SIGTERM: finish work for N s")
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9108, description="/healthz and /metrics; 0 = off")
    worker_send_replies: bool = Field(default=True, description="send acks/verdict replies")
    worker_relay: bool = Field(default=True, description="deliver the SP4N outbox from the worker")
    whatsapp_reply_window_h: float = Field(default=24.0, description="customer-service window")
    followup_window_h: float = Field(default=72.0, description="answers to needs_info attach this long")

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
