#!/usr/bin/env bash
# Makes this machine ready to run LSP: pinned Node.js, npm dependencies, generated clients, the
# web apps' static builds, Debian's redis-server, with --kubernetes the Kubernetes toolchain built
# from source, and with --browser Debian's chromium for the browser tests.
# Idempotent: every step is skipped when its result is already in place.
# Usage: scripts/bootstrap.sh [--kubernetes] [--browser]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$LSP_ROOT"

with_kubernetes=false
with_browser=false
for arg in "$@"; do
  case "$arg" in
    --kubernetes) with_kubernetes=true ;;
    --browser) with_browser=true ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) lsp_die "unknown option '$arg' (see --help)" ;;
  esac
done

lsp_ensure_node
lsp_log "node $(node --version), npm $(npm --version 2>/dev/null)"

# npm ci only when package-lock.json changed since the last install.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f node_modules/.lsp-lock-hash || "$(cat node_modules/.lsp-lock-hash)" != "$lock_hash" ]]; then
  lsp_log "installing npm dependencies"
  # `npm ci` refuses a lock that lacks optional native packages for other platforms, which a
  # registry mirror may not carry (e.g. @swc/core-darwin-*); `npm install` honours the same lock.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
    || npm install --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lsp-lock-hash
fi

if [[ -f cell/prisma/schema.prisma ]]; then
  schema_hash="$(cat cell/prisma/schema.prisma prisma.config.ts 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [[ ! -f cell/generated/.schema-hash || "$(cat cell/generated/.schema-hash)" != "$schema_hash" ]]; then
    lsp_log "generating the Prisma client"
    npx prisma generate >/dev/null
    echo "$schema_hash" > cell/generated/.schema-hash
  fi
fi

# The staff app and owner console are static builds the cell and control plane serve; rebuild
# when any web source is newer than the build.
for app in tenant-app owner-console; do
  if [[ ! -f "web/$app/dist/index.html" ]] || [[ -n "$(find web -path '*/dist' -prune -o -type f -newer "web/$app/dist/index.html" -print -quit)" ]]; then
    lsp_log "building the web app $app"
    npx tsx web/build.ts "$app" >/dev/null
  fi
done

# LSP_REDIS=off: the caller runs without Redis (scripts/start's single-process fallbacks).
if [[ "${LSP_REDIS:-}" != off ]] && ! command -v redis-server >/dev/null 2>&1 && [[ -z "${REDIS_URL:-}" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    lsp_log "installing Debian's redis-server"
    (apt-get install -y --no-install-recommends redis-server >/dev/null 2>&1) \
      || (apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends redis-server >/dev/null) \
      || lsp_die "apt-get could not install redis-server"
  else
    lsp_die "redis-server is missing: install it ('sudo apt-get install redis-server') or set REDIS_URL"
  fi
fi

if $with_browser; then
  sh "$LSP_ROOT/web/testing/ensure-chromium.sh" >&2 || lsp_die "chromium is needed for the browser tests (apt-get install chromium)"
fi

if $with_kubernetes; then
  "$LSP_ROOT/scripts/toolchain/build-kubernetes.sh" all
fi
lsp_log "bootstrap complete"
