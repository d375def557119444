# Pinned versions of every tool the project builds from source. One place to bump them.
# Sourced by the toolchain scripts; the cache folder is keyed by these, so a bump rebuilds.
NODE_VERSION="24.21.0"
KUBERNETES_VERSION="1.34.4"   # kube-apiserver, controller-manager, scheduler, kubectl
ETCD_VERSION="3.6.16"
KWOK_VERSION="0.7.0"
HELM_VERSION="3.21.4"
K6_VERSION="1.8.1"
# Pinned below 1.67: later fortio releases depend on grol.io modules that the Go module proxy refuses.
FORTIO_VERSION="1.66.0"       # bench:router only: evenly paced load for latency at half load
LSP_CACHE="${LSP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lsp}"
