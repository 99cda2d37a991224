#!/usr/bin/env bash
# Lints an OpenAPI document with Redocly CLI (pinned) and redocly.yaml: exit 0 only when it reports no errors.
# Usage: scripts/lint-openapi.sh [document]   (default: docs/openapi.json, the committed contract)
# Needs node and npx (apt-get install nodejs npm); the first run fetches the CLI from the npm registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
doc="$(realpath "${1:-$root/docs/openapi.json}")"
# No usage telemetry and no update check: CI and sites may have no way out but the package registry.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NPM_CONFIG_UPDATE_NOTIFIER=false
cd "$root"
# Redocly 2 needs Node 20.19 or later; Debian 12's packaged Node (18) gets the last Redocly 1, the same rules.
cli=@redocly/cli@2.77.0
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then cli=@redocly/cli@1.34.5; fi
exec npx --yes "$cli" lint --config "$root/redocly.yaml" "$doc"
