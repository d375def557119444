#!/usr/bin/env bash
# Makes this machine ready to run LSP: pinned Node.js, npm dependencies, generated clients,
# Debian's redis-server, and (with --kubernetes) the Kubernetes toolchain built from source.
# Idempotent: every step is skipped when its result is already in place.
# Usage: scripts/bootstrap.sh [--kubernetes]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
cd "$LSP_ROOT"

with_kubernetes=false
for arg in "$@"; do
  case "$arg" in
    --kubernetes) with_kubernetes=true ;;
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

if ! command -v redis-server >/dev/null 2>&1 && [[ -z "${REDIS_URL:-}" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    lsp_log "installing Debian's redis-server"
    (apt-get install -y --no-install-recommends redis-server >/dev/null 2>&1) \
      || (apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends redis-server >/dev/null) \
      || lsp_die "apt-get could not install redis-server"
  else
    lsp_die "redis-server is missing: install it ('sudo apt-get install redis-server') or set REDIS_URL"
  fi
fi

if $with_kubernetes; then
  "$LSP_ROOT/scripts/toolchain/build-kubernetes.sh" all
fi
lsp_log "bootstrap complete"
