#!/usr/bin/env bash
# Install the npm packages pinned in package.json / package-lock.json, idempotently.
#
# One script for both README commands: `make site` needs the Decap CMS bundle it copies to
# /admin/, and tools/install-test-deps.sh (`make test`) needs axe-core and vnu-jar as well.
# `npm ci --ignore-scripts`: vnu-jar's postinstall would download a JDK from outside the
# registries (the machine's Java is used instead). Skipped when node_modules was installed
# from the current lock file. npm itself comes from Debian when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '[install-npm] %s\n' "$*"; }
die() { printf '[install-npm] ERROR: %s\n' "$*" >&2; exit 1; }

if ! command -v npm >/dev/null 2>&1; then
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
    command -v apt-get >/dev/null 2>&1 || die "npm not found and no apt-get: install Node.js and npm"
    say "apt-get install nodejs npm"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends nodejs npm </dev/null
fi

[ -f package.json ] && [ -f package-lock.json ] || die "package.json / package-lock.json missing at $ROOT"
REQUIRED=(node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar
          node_modules/decap-cms/dist/decap-cms.js node_modules/decap-server/dist/index.js
          node_modules/js-yaml/dist/browser/js-yaml.umd.min.js)
STAMP="node_modules/.install-npm.sha256"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
complete=1
for file in "${REQUIRED[@]}"; do [ -f "$file" ] || complete=0; done
if [ "$want" = "$have" ] && [ "$complete" = 1 ]; then
    say "node_modules up to date with package-lock.json (skipping npm ci)"
else
    say "npm ci --ignore-scripts (node $(node --version), npm $(npm --version 2>/dev/null))"
    npm ci --ignore-scripts --no-audit --no-fund </dev/null
    for file in "${REQUIRED[@]}"; do [ -f "$file" ] || die "$file missing after npm ci"; done
    printf '%s\n' "$want" > "$STAMP"
fi
