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
