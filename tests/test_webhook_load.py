"""The load benchmark, small: every signed post stored exactly once, latency figures produced."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "webhook_load.py"


@pytest.mark.slow
def test_webhook_load_500(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("webhook_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["webhook_load"] = module
    spec.loader.exec_module(module)
    figures = module.run(n=500, concurrency=20, workdir=tmp_path)
    print(figures)
    assert figures["stored"] == 500 and figures["ok"] == 500
    assert figures["replay_ok"] == figures["replayed"]  # re-deliveries answered 200, not stored again
    assert figures["latency_ms_p99"] < 5000  # generous: CI shares two cores with the model server


@pytest.mark.slow
def test_webhook_replicas_driven_by_wrk(tmp_path: Path, store_url: str) -> None:
    """Two webhook replicas sharing only the store, each posted to by its own wrk: every message
    stored exactly once, no answer but 200 (the figures themselves are the benchmark's business)."""
    import shutil

    from services import unavailable

    if shutil.which("wrk") is None:
        unavailable("wrk not installed (scripts/test-deps.sh installs it)")
    bench = BENCH.parent / "webhook_replicas.py"
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("webhook_replicas", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.run(600, 2, 8, store_url if store_url.startswith("postgresql") else None, tmp_path)
    print(figures)
    assert figures["stored"] == 600 and figures["non_200"] == 0 and figures["replicas"] == 2
    assert figures["messages_per_s"] > 0 and figures["server_cpu_ms_per_message"] > 0
