"""The operator's kit in deploy/ holds together and names only what the code has.

Compose services reach the shared store and answer their healthchecks on /readyz, Prometheus
scrapes the ports the services listen on, the dashboard and the alert rules use only metric and
label names `triage/metrics.py` exports, and the systemd units start the right commands and stop
slower than the worker's shutdown grace. Fast: files are parsed, nothing is started; the Docker
client, promtool and systemd-analyze are used where they exist (promtool must exist under CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase
from services import unavailable

import triage.metrics
from triage.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
SYSTEMD = DEPLOY / "systemd"
DASHBOARD = DEPLOY / "grafana" / "lapor-triage.json"

IMAGE = "lapor-triage:latest"
# what deploy/.env must give compose (its ${VAR:?...}); values for the tests
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "TRIAGE_WHATSAPP_VERIFY_TOKEN": "verify-me",
    "TRIAGE_WHATSAPP_APP_SECRET": "app-secret",
}
GRACE_S = Settings.model_fields["worker_shutdown_grace_s"].default
# gauges read from the shared store: the same value from every replica, aggregated with max()
SHARED_GAUGES = {
    "triage_queue_depth",
    "triage_review_queue_size",
    "triage_review_oldest_seconds",
    "triage_dead_letter_queue_size",
    "triage_outbox_backlog",
    "triage_outbox_dead",
}
# labels Prometheus adds to every scraped series
TARGET_LABELS = frozenset({"job", "instance"})
# series Prometheus itself makes, allowed in alert rules beside the triage metrics
PROMETHEUS_SERIES = {"up": TARGET_LABELS}


# ------------------------------------------------------------------ durations and interpolation


def seconds(value: str | int) -> float:
    """`45s`, `1m30s`, `1min`, `60` (systemd: plain seconds) as seconds."""
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h)", text)
    assert parts and "".join(f"{n}{u}" for n, u in parts) == text.replace(" ", ""), f"bad duration {value!r}"
    return sum(float(n) * units[u] for n, u in parts)


_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`, against `env`."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        got = env.get(name)
        if op in (":-", "-") and (got is None or (op == ":-" and not got)):
            return arg
        if op in (":?", "?") and (got is None or (op == ":?" and not got)):
            raise KeyError(f"{name}: {arg}")
        return got or ""

    return _VAR.sub(sub, value)


# ------------------------------------------------------------------ compose


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def triage_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services().items() if s.get("image") == IMAGE}


def env_of(service: dict[str, Any], env: dict[str, str] = SECRETS) -> dict[str, str]:
    environment = service.get("environment") or {}
    assert isinstance(environment, dict), "environment as a mapping"
    return {k: interpolate(str(v), env) for k, v in environment.items()}


def role(service: dict[str, Any]) -> str:
    command = service.get("command") or ["serve"]  # the image's CMD
    return "model" if command[:2] == ["model", "serve"] else command[0]


def by_role(name: str) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in triage_services().items() if role(s) == name}


def option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def webhook_port(service: dict[str, Any]) -> int:
    return int(option(service["command"], "--port") or env_of(service).get("TRIAGE_PORT") or 8080)


def worker_port(service: dict[str, Any]) -> int:
    found = option(service["command"], "--metrics-port") or env_of(service).get("TRIAGE_WORKER_METRICS_PORT")
    return int(found or Settings.model_fields["worker_metrics_port"].default)


def healthcheck(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def test_compose_file_follows_the_compose_specification() -> None:
    """No Docker engine or Compose v2 here (and Debian's docker-compose 1.29 predates the spec's
    top-level `name`): the file is checked against the Compose Specification's own JSON schema,
    vendored from compose-spec/compose-spec (tests/fixtures/compose/README.md)."""
    schema = json.loads((ROOT / "tests" / "fixtures" / "compose" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert [e.message for e in validator.iter_errors(compose())] == []
    broken = compose()
    next(iter(broken["services"].values()))["restartt"] = "always"  # a misspelt key is caught
    assert list(validator.iter_errors(broken))


def test_compose_has_the_kit() -> None:
    found = services()
    assert set(found) == {
        "postgres",
        "redis",
        "webhook-1",
        "webhook-2",
        "worker-1",
        "worker-2",
        "model",
        "prometheus",
    }
    assert found["postgres"]["image"].startswith("postgres:15")
    assert found["redis"]["image"].startswith("redis:7")
    assert "prometheus" in found["prometheus"]["image"]
    assert len(by_role("serve")) == 2 and len(by_role("worker")) == 2 and len(by_role("model")) == 1
    # one service builds the image from the repository; the others use it
    builders = [s["build"] for s in triage_services().values() if "build" in s]
    assert len(builders) == 1
    dockerfile = (DEPLOY / builders[0]["context"] / builders[0]["dockerfile"]).resolve()
    assert dockerfile == DEPLOY / "Dockerfile" and dockerfile.is_file()
    assert "python:3.11-slim" in dockerfile.read_text()
    for name, service in found.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_compose_triage_services_reach_the_shared_store() -> None:
    postgres = env_of(services()["postgres"])
    model = by_role("model")
    ((model_name, model_service),) = model.items()
    model_env = env_of(model_service)
    assert model_env["TRIAGE_EMBEDDED_HOST"] == "0.0.0.0"
    for name, service in {**by_role("serve"), **by_role("worker")}.items():
        env = env_of(service)
        db = urlsplit(env["TRIAGE_DB"])
        assert db.scheme.startswith("postgresql"), name
        assert (db.hostname, db.port or 5432) == ("postgres", 5432), name
        assert (db.username, db.password, db.path) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            "/" + postgres["POSTGRES_DB"],
        ), name
        queue = urlsplit(env["TRIAGE_QUEUE_URL"])
        assert (queue.scheme, queue.hostname, queue.port) == ("redis", "redis", 6379), name
        llm = urlsplit(env["TRIAGE_LLM_BASE_URL"])
        assert (llm.hostname, llm.port) == (model_name, int(model_env["TRIAGE_EMBEDDED_PORT"])), name
        deps = service["depends_on"]
        for needed in ("postgres", "redis") + ((model_name,) if role(service) == "worker" else ()):
            assert deps[needed]["condition"] == "service_healthy", (name, needed)


def test_compose_secrets_are_required() -> None:
    """Compose refuses to start without the database password and the WhatsApp secrets."""
    for missing in SECRETS:
        partial = {k: v for k, v in SECRETS.items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            for service in services().values():
                env_of(service, partial)


def test_compose_env_names_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every TRIAGE_* variable is a setting, and each service's environment is a valid Settings."""
    for name, service in triage_services().items():
        env = env_of(service)
        unknown = {k for k in env if k.startswith("TRIAGE_")} - settings_names()
        assert not unknown, f"{name}: not settings: {sorted(unknown)}"
        with monkeypatch.context() as m:
            for key in [k for k in os.environ if k.startswith("TRIAGE_")]:
                m.delenv(key)
            for key, value in env.items():
                m.setenv(key, value)
            Settings()


def test_compose_healthchecks_use_readyz_on_the_service_port() -> None:
    ports = set()
    for name, service in by_role("serve").items():
        port = webhook_port(service)
        ports.add(port)
        env = env_of(service)
        assert env["TRIAGE_HOST"] == "0.0.0.0", name
        assert env["TRIAGE_PUBLIC_METRICS"].lower() == "true", f"{name}: Prometheus scrapes /metrics"
        assert f"127.0.0.1:{port}/readyz" in healthcheck(service), name
        assert any(str(p).endswith(f":{port}") for p in service.get("ports", [])), f"{name} publishes {port}"
    assert len(ports) == 2, "two webhooks, two ports"
    for name, service in by_role("worker").items():
        env = env_of(service)
        assert env["TRIAGE_WORKER_METRICS_HOST"] == "0.0.0.0", name
        assert f"127.0.0.1:{worker_port(service)}/readyz" in healthcheck(service), name
    for name, service in by_role("model").items():
        port = env_of(service)["TRIAGE_EMBEDDED_PORT"]
        assert f"127.0.0.1:{port}/v1/models" in healthcheck(service), name


def test_compose_stops_slower_than_the_worker_grace() -> None:
    for name, service in triage_services().items():
        assert service.get("stop_signal", "SIGTERM") == "SIGTERM", name
        grace = float(env_of(service).get("TRIAGE_WORKER_SHUTDOWN_GRACE_S", GRACE_S))
        assert seconds(service["stop_grace_period"]) > grace, name


def test_prometheus_scrapes_every_triage_process() -> None:
    conf = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    expected = {f"{n}:{webhook_port(s)}" for n, s in by_role("serve").items()}
    expected |= {f"{n}:{worker_port(s)}" for n, s in by_role("worker").items()}
    scraped = set()
    for job in conf["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics", job["job_name"]
        assert job["job_name"].startswith("triage-"), "the alerts select up{job=~'triage-.*'}"
        for static in job["static_configs"]:
            scraped.update(static["targets"])
    assert scraped == expected
    for rules in conf["rule_files"]:
        assert (PROMETHEUS / rules).is_file()
    prometheus = services()["prometheus"]
    assert "./prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]


def test_env_examples_cover_compose_and_name_settings() -> None:
    """deploy/env.example names every variable compose.yaml reads; both examples name settings."""
    template = keys_of(DEPLOY / "env.example")
    for var in sorted({m.group(1) for m in _VAR.finditer((DEPLOY / "compose.yaml").read_text())}):
        assert var in template, f"deploy/env.example lacks {var}"
    for path in (DEPLOY / "env.example", SYSTEMD / "env.example"):
        unknown = {k for k in keys_of(path) if k.startswith("TRIAGE_")} - settings_names()
        assert not unknown, f"{path.name}: not settings: {sorted(unknown)}"


def keys_of(path: Path) -> set[str]:
    """The variables an env file sets, or shows commented out (`# NAME=value`)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", path.read_text(), re.MULTILINE))


def settings_names() -> set[str]:
    return {"TRIAGE_" + name.upper() for name in Settings.model_fields}


# ------------------------------------------------------------------ metric names in PromQL


def known_series() -> dict[str, frozenset[str]]:
    """Every series name the metrics of triage/metrics.py expose, with the labels each carries."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("", "_count", "_sum", "_created"),
    }
    found: dict[str, frozenset[str]] = {}
    for obj in vars(triage.metrics).values():
        if not isinstance(obj, MetricWrapperBase):
            continue
        labels = frozenset(obj._labelnames) | TARGET_LABELS
        for family in obj.describe():
            for suffix in suffixes[family.type]:
                extra = {"le"} if suffix == "_bucket" else {"quantile"} if family.type == "summary" else set()
                found[family.name + suffix] = labels | extra
    return found


_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[a-z]*)"
    r"|(?P<name>[A-Za-z_:][\w:]*)\s*(?P<matchers>\{[^}]*\})?\s*(?P<call>\()?"
)
_MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
KEYWORDS = {"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan", "atan2"}


def selectors(expr: str) -> tuple[list[tuple[str, set[str]]], set[str]]:
    """The metric names an expression selects (with the labels matched on) and its grouping labels."""
    grouping: set[str] = set()
    for match in _GROUPING.finditer(expr):
        grouping.update(re.findall(r"[A-Za-z_]\w*", match.group(2)))
    text = _STRING.sub('""', expr)
    text = _GROUPING.sub(" ", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables ($__rate_interval)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges, subqueries
    found = []
    for token in _TOKEN.finditer(text):
        name = token.group("name")
        if name is None or token.group("call") or name.lower() in KEYWORDS:
            continue  # a number, a function or aggregation, a keyword
        found.append((name, set(_MATCHER.findall(token.group("matchers") or ""))))
    return found, grouping


def problems(expr: str, known: dict[str, frozenset[str]]) -> list[str]:
    """What in `expr` the metrics do not have: unknown series, unknown labels, no series at all."""
    found, grouping = selectors(expr)
    if not found:
        return [f"{expr!r}: selects no metric"]
    wrong = []
    for name, labels in found:
        if name not in known:
            wrong.append(f"{expr!r}: no metric {name} in triage/metrics.py")
        elif labels - known[name]:
            wrong.append(f"{expr!r}: {name} has no label {sorted(labels - known[name])}")
    have = set().union(*(known.get(name, frozenset()) for name, _ in found))
    if grouping - have:
        wrong.append(f"{expr!r}: grouping by labels no selected metric has: {sorted(grouping - have)}")
    return wrong


def aggregates_shared_gauges_with_max(expr: str) -> bool:
    uses = {name for name, _ in selectors(expr)[0]} & SHARED_GAUGES
    return not uses or (
        not re.search(r"\b(sum|avg|count)\b", expr) and bool(re.search(r"\b(max|min)\b", expr))
    )


def test_the_metric_check_catches_what_does_not_exist() -> None:
    known = known_series()
    assert "triage_reports_total" in known and "triage_llm_latency_seconds_bucket" in known
    assert problems("sum(rate(triage_reports_totl[5m]))", known)  # a typo
    assert problems("triage_llm_latency_seconds", known)  # a histogram has no series of its bare name
    assert problems('sum(rate(triage_reports_total{verdikt="valid"}[5m]))', known)  # unknown label
    assert problems("sum by (verdic) (rate(triage_reports_total[5m]))", known)  # grouping by it
    assert problems("vector(1)", known)  # no metric at all
    assert problems("up == 0", known)  # not a triage metric
    assert not problems(
        "histogram_quantile(0.95, sum by (le) "
        '(rate(triage_llm_latency_seconds_bucket{job="x"}[$__rate_interval])))',
        known,
    )
    assert not problems(
        "max(triage_queue_depth) > 100 and max(deriv(triage_queue_depth[15m])) > 0 offset 1m", known
    )
    assert not aggregates_shared_gauges_with_max("sum(triage_review_queue_size)")
    assert aggregates_shared_gauges_with_max("max(triage_review_queue_size) > 150")
    assert not aggregates_shared_gauges_with_max("sum(triage_outbox_dead) > 0")
    assert aggregates_shared_gauges_with_max("max(triage_review_oldest_seconds) > 3 * 86400")


# ------------------------------------------------------------------ the Grafana dashboard

DASHBOARD_SCHEMA = {
    "type": "object",
    "required": ["title", "uid", "schemaVersion", "panels", "templating", "time"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        "schemaVersion": {"type": "integer", "minimum": 36},
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {"type": "array", "items": {"type": "object", "required": ["name", "type"]}}
            },
        },
        "panels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "title", "gridPos"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "type": {
                        "enum": [
                            "row",
                            "timeseries",
                            "stat",
                            "gauge",
                            "bargauge",
                            "piechart",
                            "table",
                            "text",
                        ]
                    },
                    "title": {"type": "string", "minLength": 1},
                    "gridPos": {
                        "type": "object",
                        "required": ["x", "y", "w", "h"],
                        "properties": {
                            "x": {"type": "integer", "minimum": 0, "maximum": 23},
                            "y": {"type": "integer", "minimum": 0},
                            "w": {"type": "integer", "minimum": 1, "maximum": 24},
                            "h": {"type": "integer", "minimum": 1},
                        },
                    },
                    "datasource": {
                        "type": "object",
                        "required": ["type", "uid"],
                        "properties": {"type": {"const": "prometheus"}},
                    },
                    "targets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["refId", "expr"],
                            "properties": {
                                "refId": {"type": "string"},
                                "expr": {"type": "string", "minLength": 1},
                            },
                        },
                    },
                },
                "allOf": [
                    {
                        "if": {"properties": {"type": {"not": {"enum": ["row", "text"]}}}},
                        "then": {
                            "required": ["datasource", "targets"],
                            "properties": {"targets": {"minItems": 1}},
                        },
                    }
                ],
            },
        },
    },
}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def test_dashboard_is_a_valid_grafana_dashboard() -> None:
    board = dashboard()
    jsonschema.validate(board, DASHBOARD_SCHEMA)
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in board["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        refs = [t["refId"] for t in panel.get("targets", [])]
        assert len(refs) == len(set(refs)), panel["title"]
    variables = {v["name"] for v in board["templating"]["list"]}
    for panel in board["panels"]:
        if "datasource" in panel:
            assert panel["datasource"]["uid"].strip("${}") in variables, panel["title"]


def test_dashboard_uses_only_metrics_that_exist() -> None:
    known = known_series()
    exprs = dashboard_exprs()
    assert len(exprs) >= 15
    wrong = [p for e in exprs for p in problems(e, known)]
    assert not wrong, "\n".join(wrong)
    used = {name for e in exprs for name, _ in selectors(e)[0]}
    assert {
        "triage_reports_total",
        "triage_llm_latency_seconds_bucket",
        "triage_webhook_seconds_bucket",
        "triage_queue_depth",
        "triage_review_queue_size",
        "triage_review_oldest_seconds",
        "triage_dead_letter_queue_size",
        "triage_outbox_backlog",
        "triage_outbox_dead",
        "triage_model_up",
        "triage_worker_oldest_report_seconds",
        "triage_whatsapp_outbound_total",
    } <= used
    verdicts = [e for e in exprs if "triage_reports_total" in e]
    assert any({"verdict", "outcome"} <= selectors(e)[1] for e in verdicts), (
        "verdict mix by verdict and outcome"
    )
    assert all(aggregates_shared_gauges_with_max(e) for e in exprs)


# ------------------------------------------------------------------ alert rules


def alert_rules() -> list[dict[str, Any]]:
    conf = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in conf["groups"] for rule in group["rules"]]


def test_alert_rules_are_complete() -> None:
    rules = alert_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    assert {
        "ModelDown",
        "QueueGrowing",
        "DeadLetters",
        "ReviewBacklogPastSLA",
        "WorkerStuck",
        "Sp4nOutboxFailing",
        "Sp4nDeadLetters",
    } <= set(names)
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        seconds(rule["for"])
    by_name = {r["alert"]: r for r in rules}
    assert by_name["ModelDown"]["expr"].strip() == "triage_model_up == 0"
    assert seconds(by_name["ModelDown"]["for"]) == 120
    assert seconds(by_name["QueueGrowing"]["for"]) == 15 * 60
    assert "deriv(triage_queue_depth" in by_name["QueueGrowing"]["expr"]
    assert "> 100" in by_name["QueueGrowing"]["expr"]
    # LAPOR!'s SLA is on the age of the oldest report waiting, not on the backlog's size
    assert "max(triage_review_oldest_seconds)" in by_name["ReviewBacklogPastSLA"]["expr"]
    assert "max(triage_outbox_backlog)" in by_name["Sp4nOutboxFailing"]["expr"]
    assert "max(triage_outbox_dead)" in by_name["Sp4nDeadLetters"]["expr"]
    # every shared-store gauge's failed read (-1) is caught
    unreadable = {name for name, _ in selectors(by_name["SharedStateUnreadable"]["expr"])[0]}
    assert unreadable == SHARED_GAUGES


def test_alert_rules_use_only_metrics_that_exist() -> None:
    known = {**known_series(), **PROMETHEUS_SERIES}
    wrong = [p for r in alert_rules() for p in problems(r["expr"], known)]
    assert not wrong, "\n".join(wrong)


def test_alert_rules_take_the_max_of_shared_gauges() -> None:
    for rule in alert_rules():
        assert aggregates_shared_gauges_with_max(rule["expr"]), rule["alert"]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        unavailable("promtool not found (Debian: apt-get install prometheus; scripts/test-deps.sh)")
    return str(found)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "rules", "alerts.yml"],
        ["check", "config", "prometheus.yml"],
        ["test", "rules", "alerts_test.yml"],
    ],
    ids=["check-rules", "check-config", "test-rules"],
)
def test_promtool(args: list[str]) -> None:
    done = subprocess.run([promtool(), *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------ systemd units

UNITS = {
    "triage-serve@.service": "serve",
    "triage-worker@.service": "worker",
    "triage-model.service": "model serve",
    "triage-relay.service": "relay",
}
INSTALLED_TRIAGE = "/opt/lapor-triage/.venv/bin/triage"


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as section -> key -> values (a key may repeat, e.g. Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None and "=" in line, f"{path.name}: {line!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_units() -> None:
    assert {p.name for p in SYSTEMD.glob("*.service")} == set(UNITS)
    for name, command in UNITS.items():
        parsed = unit(SYSTEMD / name)
        service = {k: v[-1] for k, v in parsed["Service"].items()}
        match = re.fullmatch(
            r"(/\S+)/triage (serve|worker|model serve|relay)(?: (.*))?", service["ExecStart"]
        )
        assert match and match.group(2) == command, (name, service["ExecStart"])
        assert service["ExecStart"].startswith(INSTALLED_TRIAGE + " "), name
        if name.endswith("@.service"):
            assert "%i" in (match.group(3) or ""), f"{name}: the instance is the port"
        assert parsed["Service"]["EnvironmentFile"] == ["/etc/lapor-triage/env"], name
        assert service["Restart"] == "on-failure", name
        assert service.get("User") not in (None, "", "root", "0"), f"{name}: a non-root user"
        assert service["KillSignal"] == "SIGTERM", name
        assert seconds(service["TimeoutStopSec"]) > GRACE_S, name
        assert parsed["Install"]["WantedBy"] == ["multi-user.target"], name
        for value in parsed["Service"].get("Environment", []):
            assert value.split("=", 1)[0] in settings_names(), f"{name}: {value}"
    serve = unit(SYSTEMD / "triage-serve@.service")["Service"]["ExecStart"][0]
    worker = unit(SYSTEMD / "triage-worker@.service")["Service"]["ExecStart"][0]
    assert "--port %i" in serve and "--metrics-port %i" in worker


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own check of the units (keys, values, the executable), where systemd-analyze exists.

    The units run /opt/lapor-triage/.venv/bin/triage; here they are checked against this venv's.
    """
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not found; the units are checked by parsing above")
    here = Path(sys.executable).parent / "triage"
    if not here.is_file():
        pytest.skip(f"no triage command at {here}")
    for name in UNITS:
        text = (SYSTEMD / name).read_text().replace(INSTALLED_TRIAGE, str(here))
        (tmp_path / name).write_text(text)
    instances = [str(tmp_path / n.replace("@.", "@8080.")) for n in UNITS]
    done = subprocess.run([analyze, "verify", *instances], capture_output=True, text=True, timeout=60)
    said = [line for line in (done.stdout + done.stderr).splitlines() if "triage-" in line]
    assert done.returncode == 0 and not said, done.stdout + done.stderr
