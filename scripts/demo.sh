#!/usr/bin/env bash
# `npm run demo`: the whole story against the sandbox in one run. Build, start the sandbox, show the
# cluster, give it a little data, take a snapshot with a manifest, and rehearse restoring it.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo; echo "\$ auroractl $*"; node bin/run.js "$@"; }

npm run build
node bin/run.js sandbox up
eval "$(node bin/run.js sandbox env)"
run status
echo
echo '$ auroractl psql   # a few games, so the drill has rows to prove'
node bin/run.js psql <<'SQL'
CREATE TABLE IF NOT EXISTS games (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, home text NOT NULL, away text NOT NULL, played_at timestamptz NOT NULL);
INSERT INTO games (home, away, played_at) SELECT 'team ' || (g % 30), 'team ' || ((g + 7) % 30), now() - g * interval '1 day' FROM generate_series(1, 1230) g;
SQL
manifest=.sandbox/demo-manifest.json
run snapshot create --reason "demo" --manifest "$manifest"
run drill --manifest "$manifest" --check "SELECT count(*) > 0 FROM games" --report-md .sandbox/demo-drill.md
echo
echo 'Next, in this shell (npm link puts a plain `auroractl` on your PATH):'
echo '  eval "$(npx auroractl sandbox env)" && npx auroractl doctor'
echo '  npx auroractl sandbox down'
