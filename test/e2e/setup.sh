#!/usr/bin/env bash
# Installs what the end-to-end tier needs: Debian's Chromium, ripgrep, libkrb5-dev, and code-server 4.100.3
# (VS Code 1.100.3, the newest that runs on Node 20) in a cache folder outside the repository.
# Idempotent and quick when everything is already there; safe with no standard input (CI).
# See ../shared/e2e-notes.md for why each flag below is needed.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
CACHE_DIR="${CXR_LAB_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cxr-lab-e2e}"
PREFIX="$CACHE_DIR/code-server-$CODE_SERVER_VERSION"
BIN="$PREFIX/node_modules/.bin/code-server"

log() { printf '[e2e-setup] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

# --- system packages (only the missing ones; apt-get update only when installing) -----------------
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
else
  log "system packages present (chromium, ripgrep, libkrb5-dev)"
fi

# --- code-server -----------------------------------------------------------------------------------
# A marker written only after a complete install, so an interrupted install is redone, not trusted.
if [ -x "$BIN" ] && [ -f "$PREFIX/.complete" ] && [ -e "$PREFIX/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" ]; then
  log "code-server $CODE_SERVER_VERSION present in $PREFIX"
  exit 0
fi

log "installing code-server $CODE_SERVER_VERSION into $PREFIX (cold install takes a few minutes)"
start=$(date +%s)
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
printf '{ "name": "cxr-lab-e2e-code-server", "private": true }\n' > "$PREFIX/package.json"

# @vscode/ripgrep downloads rg from GitHub in its postinstall; give it Debian's rg from its cache instead.
tmp="${TMPDIR:-/tmp}"
rg_cache="$tmp/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_tar" ]; then
  mkdir -p "$rg_cache"
  stage=$(mktemp -d)
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$rg_tar" -C "$stage" rg
  rm -rf "$stage"
fi

# --unsafe-perm: code-server's postinstall refuses root otherwise. nodedir: native modules (kerberos,
# node-pty, ...) build from source against NodeSource's headers. npm_config_yes: node-pty runs `npx node-gyp`.
# npm >= 11.19 has an allowScripts policy for dependency install scripts (a warning by default, blocking when
# strict); code-server's postinstall runs two nested `npm install`s (lib/vscode, its extensions) whose native
# modules need their scripts, so allow them all, in this isolated prefix only (pinned, with npm-shrinkwrap.json).
(
  cd "$PREFIX"
  export npm_config_nodedir="${npm_config_nodedir:-/usr}" npm_config_yes=true npm_config_unsafe_perm=true
  export npm_config_dangerously_allow_all_scripts=true
  npm install --no-audit --no-fund --no-package-lock "code-server@$CODE_SERVER_VERSION" </dev/null
)
"$BIN" --version >/dev/null
touch "$PREFIX/.complete"
log "code-server installed in $(( $(date +%s) - start )) s"
