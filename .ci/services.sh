#!/usr/bin/env bash
# Starts the local servers the tests talk to when they are not already running.
# The node-svc machines start them before a session; this makes a stopped one come back.
set -uo pipefail

wait_for() { # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then echo "$1: up"; return 0; fi
    sleep 0.5
  done
  echo "$1: did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
wait_for postgresql "pg_isready -h 127.0.0.1 -p 5432" || exit 1

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis "(exec 3<>/dev/tcp/127.0.0.1/6379)" || exit 1

if ! (exec 3<>/dev/tcp/127.0.0.1/3306) 2>/dev/null; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for mariadb "(exec 3<>/dev/tcp/127.0.0.1/3306)" || exit 1

# The system packages the tests need (chromium, librdkafka-dev) are provisioned by `npm test`
# itself (its pretest step, scripts/test-deps.sh), so a fresh clone needs no CI script for them.
exit 0
