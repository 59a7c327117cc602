#!/usr/bin/env bash
# System parts the tests use that pip cannot install: Debian's Chromium for the review page tests,
# Debian's Prometheus for its promtool (the checks of deploy/prometheus in tests/test_deploy.py),
# Debian's wrk for the webhook replicas benchmark,
# and the local Redis server (started if this machine has one but it is not running).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium not found; browser tests will be skipped" >&2
  fi
fi
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # only promtool is wanted: on a machine with systemd the package would also start a server on :9090
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus.service >/dev/null 2>&1 || true; fi
  else
    echo "note: promtool not found; the Prometheus rule checks will be skipped (they fail under CI)" >&2
  fi
fi
# Debian's wrk, the C load generator of benchmarks/webhook_replicas.py (and its small test)
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "note: wrk not found; the webhook replicas benchmark test will be skipped" >&2
  fi
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
fi
# The PostgreSQL tests' role and database (the local server on 127.0.0.1:5432, as on CI). Each test
# works in a schema of its own inside this database, dropped at its end.
if command -v psql >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  psql -q -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SELECT 'CREATE ROLE triage LOGIN PASSWORD ''triage'''
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'triage') \gexec
SELECT 'CREATE DATABASE triage_test OWNER triage'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'triage_test') \gexec
SQL
fi
