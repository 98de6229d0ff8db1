#!/usr/bin/env bash
# `make edit`: the browser editor without GitHub. Starts the editor's local backend
# (decap-server from npm, in git mode: each saved entry becomes a branch `cms/...` of this
# repository, as it would be a pull request on GitHub) and the preview server, then prints
# the address of /admin/. Ctrl-C stops both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PY:-.venv/bin/python}"
ADDR="${EDIT_ADDR:-127.0.0.1:8000}"
PORT="$("$PY" -c 'from pathlib import Path; from builder.settings import load_settings; print(load_settings(Path("mkdocs.yml")).editor_port)')"

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "make edit needs a git checkout" >&2; exit 1; }
PORT="$PORT" BIND_HOST=127.0.0.1 MODE=git GIT_REPO_DIRECTORY="$ROOT" node node_modules/decap-server/dist/index.js &
BACKEND=$!
trap 'kill "$BACKEND" 2>/dev/null || true' EXIT INT TERM
printf '\n  Editor: http://%s/admin/  (local backend on port %s; saved entries become branches cms/...)\n\n' "$ADDR" "$PORT"
"$PY" -m builder serve --dev-addr "$ADDR"
