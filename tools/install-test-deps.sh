#!/usr/bin/env bash
# Install everything the real-browser tests (tests/browser) need, idempotently:
#   * Debian's `chromium` (-> /usr/bin/chromium), driven by the PyPI `playwright` package
#     (`playwright install` cannot download browsers here, so we never call it);
#   * a Java runtime (`default-jre-headless`) only when `java` is missing, for vnu.jar;
#   * the pinned npm packages from package.json / package-lock.json (axe-core, vnu-jar,
#     Decap CMS and decap-server) via tools/install-npm.sh, which `make site` runs too.
#
# Safe to run twice: apt is skipped when chromium and java are already present, and
# `npm ci` is skipped when node_modules was installed from the current lock file.
# Non-interactive (works in CI as root with no stdin). Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive

say() { printf '[install-test-deps] %s\n' "$*"; }
die() { printf '[install-test-deps] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else SUDO=(__need_root__); fi
fi

# ---- 1. system packages (Debian) -------------------------------------------------
apt_pkgs=()
[ -x /usr/bin/chromium ] || apt_pkgs+=(chromium)
command -v java >/dev/null 2>&1 || apt_pkgs+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || apt_pkgs+=(nodejs npm)

if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    [ "${SUDO[0]:-}" = "__need_root__" ] && die "need root (or sudo) to apt-get install: ${apt_pkgs[*]}"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${apt_pkgs[*]} by hand"
    say "apt-get update"
    "${SUDO[@]}" apt-get update -q </dev/null
    say "apt-get install ${apt_pkgs[*]}"
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${apt_pkgs[@]}" </dev/null
else
    say "system packages present: /usr/bin/chromium, $(command -v java), $(command -v npm) (skipping apt)"
fi

[ -x /usr/bin/chromium ] || die "/usr/bin/chromium still missing after apt-get install chromium"
command -v java >/dev/null 2>&1 || die "java still missing after apt-get install default-jre-headless"
say "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1 || echo '?')"
say "java: $(java -version 2>&1 | head -n1)"

# ---- 2. pinned npm packages (shared with `make site`) ---------------------------
bash "$ROOT/tools/install-npm.sh"
axe_v="$(node -p 'require("./node_modules/axe-core/package.json").version')"
vnu_v="$(node -p 'require("./node_modules/vnu-jar/package.json").version')"
say "axe-core $axe_v, vnu-jar $vnu_v"
say "done"
