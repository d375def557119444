#!/usr/bin/env bash
# Builds, once, the Kubernetes control plane and the tools the tests use, from source through the
# Go module proxy (no binary downloads are possible on our machines), into a cache outside git:
#   $LSP_CACHE/toolchain/<tool>-<version>/bin/...
# Re-running is cheap: each tool is skipped when its binary is already cached.
# Usage: scripts/toolchain/build-kubernetes.sh [all|kubernetes|etcd|kwok|helm|k6|fortio]...
# (fortio is only for `npm run bench:router`, which builds it on first use; `all` leaves it out.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"

log() { printf '\033[1m[toolchain]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[toolchain] %s\033[0m\n' "$*" >&2; exit 1; }

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    die "Go is not installed. Install Go >= 1.24 (e.g. 'apt-get install golang-go' or from the Go site), then re-run. Go builds etcd, kube-apiserver, kwok, helm and k6 from source."
  fi
}

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=mod}"
# The checksum database is sometimes unreachable from CI; the module proxy is still verified by go.sum.
export GOSUMDB="${GOSUMDB:-sum.golang.org}"

tool_dir() { echo "$LSP_CACHE/toolchain/$1-$2"; }

# Runs a long build with a heartbeat so the user sees it is alive, and shows the log tail on failure.
run_logged() {
  local what="$1" logfile="$2"; shift 2
  local start=$SECONDS
  ( "$@" ) >"$logfile" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null && log "  … still building $what ($((SECONDS - start)) s, log: $logfile)"
  done
  if ! wait "$pid"; then
    tail -n 40 "$logfile" >&2
    die "building $what failed after $((SECONDS - start)) s (full log: $logfile)"
  fi
  log "  built $what in $((SECONDS - start)) s"
}

build_kubernetes() {
  local dir; dir="$(tool_dir kubernetes "$KUBERNETES_VERSION")"
  if [[ -x "$dir/bin/kube-apiserver" && -x "$dir/bin/kube-controller-manager" && -x "$dir/bin/kube-scheduler" && -x "$dir/bin/kubectl" ]]; then
    log "kubernetes v$KUBERNETES_VERSION: cached in $dir"; return
  fi
  require_go
  log "kubernetes v$KUBERNETES_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (cold: 15-30 min on 2 cores)"
  local src="$dir/src"; mkdir -p "$src" "$dir/bin"
  local minor="${KUBERNETES_VERSION#*.}"; minor="${minor%%.*}"
  local staging_version="v0.${KUBERNETES_VERSION#*.}"
  # k8s.io/kubernetes replaces its staging modules with ./staging paths, which `go install` refuses;
  # a wrapper module pins each of them to its published version instead.
  local staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
    csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
    kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils
    pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
  {
    echo "module lsp.local/kubernetes-tools"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes v$KUBERNETES_VERSION"
    echo
    echo "replace ("
    for m in "${staging[@]}"; do echo "	k8s.io/$m => k8s.io/$m $staging_version"; done
    echo ")"
    echo
    echo "tool ("
    for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do echo "	k8s.io/kubernetes/cmd/$c"; done
    echo ")"
  } >"$src/go.mod"
  local ld=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  run_logged "kubernetes" "$dir/build.log" bash -c "cd '$src' && go mod tidy && go build -trimpath -ldflags '-s -w $ld' -o '$dir/bin/' \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl"
}

build_etcd() {
  local dir; dir="$(tool_dir etcd "$ETCD_VERSION")"
  if [[ -x "$dir/bin/etcd" ]]; then log "etcd v$ETCD_VERSION: cached in $dir"; return; fi
  require_go
  log "etcd v$ETCD_VERSION: building (Debian's etcd 3.4 is too old for current apiservers)"
  local src="$dir/src"; mkdir -p "$src" "$dir/bin"
  printf 'module lsp.local/etcd-tools\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 v%s\n\ntool go.etcd.io/etcd/server/v3\n' "$ETCD_VERSION" >"$src/go.mod"
  run_logged "etcd" "$dir/build.log" bash -c "cd '$src' && go mod tidy && go build -trimpath -ldflags '-s -w' -o '$dir/bin/etcd' go.etcd.io/etcd/server/v3"
}

# go install for tools whose modules have no replace directives.
go_install_tool() {
  local name="$1" version="$2" pkg="$3" ldflags="${4:-}"
  local dir; dir="$(tool_dir "$name" "$version")"
  if [[ -x "$dir/bin/$name" ]]; then log "$name v$version: cached in $dir"; return; fi
  require_go
  log "$name v$version: building"
  mkdir -p "$dir/bin"
  run_logged "$name" "$dir/build.log" env GOBIN="$dir/bin" go install -trimpath -ldflags "-s -w $ldflags" "$pkg@v$version"
}

build_kwok() { go_install_tool kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok; }
build_helm() {
  local minor="${KUBERNETES_VERSION#*.}"; minor="${minor%%.*}"
  # Without these, offline `helm template`/`lint` assume Kubernetes 1.20 capabilities.
  go_install_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
    "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
}
build_k6() { go_install_tool k6 "$K6_VERSION" go.k6.io/k6; }
build_fortio() { go_install_tool fortio "$FORTIO_VERSION" fortio.org/fortio; }

targets=("$@"); [[ ${#targets[@]} -eq 0 ]] && targets=(all)
for t in "${targets[@]}"; do
  case "$t" in
    all) build_etcd; build_kubernetes; build_kwok; build_helm; build_k6 ;;
    kubernetes|etcd|kwok|helm|k6|fortio) "build_$t" ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown tool '$t' (expected: all, kubernetes, etcd, kwok, helm, k6, fortio)" ;;
  esac
done
log "toolchain ready under $LSP_CACHE/toolchain"
