#!/usr/bin/env bash
# Builds the librdkafka mock-cluster helper: build.sh <output binary>.
# Needs gcc, pkg-config and Debian's librdkafka-dev (`npm test` installs it: scripts/test-deps.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kafka-mock}"
if ! pkg-config --exists rdkafka; then
  echo "librdkafka-dev is missing: apt-get install -y librdkafka-dev (npm test's pretest, scripts/test-deps.sh, does it)" >&2
  exit 1
fi
tmp="$out.$$.tmp"
# shellcheck disable=SC2046
gcc -O2 -Wall -Werror -o "$tmp" "$here/kafka-mock.c" $(pkg-config --cflags --libs rdkafka)
mv -f "$tmp" "$out"   # atomic: parallel test workers may build at once
