#!/usr/bin/env bash
# Start what the test suite needs on this machine where it is installed but not running:
# PostgreSQL (TEST_DATABASE_URL's host, when local) and Redis (TEST_REDIS_URL's). Called by
# `make test` and by CI (.ci/run). Prints one line saying what to install where something is
# missing, and fails when PostgreSQL cannot be reached (the suite needs it).
set -uo pipefail
cd "$(dirname "$0")/.."

database_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/satupintu}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

# host and port of a URL scheme://[user[:pass]@]host[:port][/...]
url_host() { local rest="${1#*://}"; rest="${rest##*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() {
  local rest="${1#*://}"; rest="${rest##*@}"; rest="${rest%%/*}"
  if [[ "$rest" == *:* ]]; then echo "${rest##*:}"; else echo "$2"; fi
}
is_local() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }

pg_host="$(url_host "$database_url")"; pg_port="$(url_port "$database_url" 5432)"
redis_host="$(url_host "$redis_url")"; redis_port="$(url_port "$redis_url" 6379)"
missing=()

postgres_up() { pg_isready -h "$pg_host" -p "$pg_port" -q 2>/dev/null; }
redis_up() { redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; }

if ! command -v pg_isready >/dev/null 2>&1; then
  missing+=("PostgreSQL (apt-get install postgresql, or brew install postgresql)")
elif ! postgres_up && is_local "$pg_host"; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 \
      || true
  elif command -v brew >/dev/null 2>&1; then
    brew services start postgresql >/dev/null 2>&1 || true
  fi
  for _ in $(seq 30); do postgres_up && break; sleep 1; done
fi

if ! command -v redis-server >/dev/null 2>&1; then
  missing+=("Redis (apt-get install redis-server, or brew install redis)")
elif ! redis_up && is_local "$redis_host"; then
  mkdir -p var
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" \
    --appendonly no --dir "$PWD/var" --logfile "$PWD/var/redis.log" >/dev/null
  for _ in $(seq 10); do redis_up && break; sleep 0.5; done
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "make test needs $(IFS=';'; echo "${missing[*]}" | sed 's/;/ and /g')." >&2
fi
if command -v pg_isready >/dev/null 2>&1 && ! postgres_up; then
  echo "PostgreSQL does not answer at $pg_host:$pg_port: start it, or set TEST_DATABASE_URL." >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] || ! printf '%s\n' "${missing[@]}" | grep -q PostgreSQL
