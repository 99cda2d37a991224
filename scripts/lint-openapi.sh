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
exec npx --yes @redocly/cli@2.77.0 lint --config "$root/redocly.yaml" "$doc"
