#!/usr/bin/env bash
# Startup ratios: `auroractl --version`/`--help` against bare `node -e 0`, and `auroractl status`
# against `aws rds describe-db-clusters` on the same sandbox. Build first (`npm run build`);
# start the sandbox (`auroractl sandbox up`) for the second pair. BENCH_RUNS sets the run count (default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f oclif.manifest.json ] || npm run build
exec node bench/startup.mjs
