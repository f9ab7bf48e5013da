#!/usr/bin/env bash
# Provisions the system packages the test suite needs, so `npm test` (which runs this as its
# `pretest` step) passes on a fresh Debian machine with nothing installed by hand:
#   - chromium            the dashboard browser test (test/web/dashboard-browser.test.ts), driven
#                         by playwright-core, which never downloads a browser of its own
#   - librdkafka-dev, gcc, pkg-config
#                         the Kafka destination tests compile librdkafka's mock cluster helper
#                         (test/emulators/kafka-mock/build.sh)
# Present packages are left alone (this takes milliseconds then). Missing ones are installed
# with apt-get (root, or sudo without a password); otherwise it stops with the command to run.
# The servers the tests talk to (PostgreSQL, MariaDB, Redis) are the machine's own.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists rdkafka 2>/dev/null; then
  missing+=(librdkafka-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "test dependencies: installing ${missing[*]} (apt-get)" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "test dependencies missing: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test dependencies missing: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent or stale on a fresh machine: update once, then retry.
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  "${as_root[@]}" apt-get update >/dev/null
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "test dependencies: installed ${missing[*]}" >&2
