#!/usr/bin/env bash
# Builds what a real test node runs, from published Go modules, into a cache folder keyed
# by version: kubelet (from the control plane's wrapper module), containerd v2 with its
# runc shim and ctr, the CNI plugins, kube-router (used only for its NetworkPolicy firewall)
# and CoreDNS (with only the plugins the cluster resolver needs).
# Idempotent: a binary whose version already matches is not rebuilt.
set -euo pipefail
# One brace group, so bash parses all of it before running any of it (see build-kubernetes.sh).
{
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${TRE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tre-orchestrator}
NODE="$cache/node-k8s-v$KUBERNETES_VERSION-containerd-v$CONTAINERD_VERSION-cni-v$CNI_PLUGINS_VERSION-kube-router-v$KUBE_ROUTER_VERSION-coredns-v$COREDNS_VERSION"
BIN="$NODE/bin"
CNI_BIN="$NODE/cni"
mkdir -p "$BIN" "$CNI_BIN" "$cache/build"
exec 8>"$cache/.node.lock"
flock 8   # one node build at a time
export GOTOOLCHAIN=local CGO_ENABLED=0
log() { printf '[build-node %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

version_ok() {  # path, expected substring, args...
  local path=$1 expect=$2 out; shift 2
  # Capture first: with pipefail, `cmd | grep -q` fails at random when grep exits before cmd.
  [ -x "$path" ] && out=$("$path" "$@" 2>&1) && [[ $out == *"$expect"* ]]
}

module_dir() {  # module@version -> its read-only source folder in the Go module cache
  (cd "$(mktemp -d)" && go mod download -json "$1" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')
}

if version_ok "$BIN/containerd" "v$CONTAINERD_VERSION" --version \
  && version_ok "$BIN/ctr" "v$CONTAINERD_VERSION" --version \
  && [ -x "$BIN/containerd-shim-runc-v2" ]; then
  log "containerd v$CONTAINERD_VERSION already built"
else
  log "building containerd v$CONTAINERD_VERSION, its runc shim and ctr (about 2 minutes cold)"
  src=$(module_dir "github.com/containerd/containerd/v2@v$CONTAINERD_VERSION")
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$CONTAINERD_VERSION" \
    -o "$BIN/" ./cmd/containerd ./cmd/containerd-shim-runc-v2 ./cmd/ctr)
fi

if version_ok "$CNI_BIN/bridge" "v$CNI_PLUGINS_VERSION" && version_ok "$CNI_BIN/host-local" "v$CNI_PLUGINS_VERSION" \
  && version_ok "$CNI_BIN/loopback" "v$CNI_PLUGINS_VERSION" && version_ok "$CNI_BIN/portmap" "v$CNI_PLUGINS_VERSION"; then
  log "CNI plugins v$CNI_PLUGINS_VERSION already built"
else
  log "building the CNI plugins v$CNI_PLUGINS_VERSION (bridge, host-local, loopback, portmap)"
  src=$(module_dir "github.com/containernetworking/plugins@v$CNI_PLUGINS_VERSION")
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v$CNI_PLUGINS_VERSION" \
    -o "$CNI_BIN/" ./plugins/main/bridge ./plugins/ipam/host-local ./plugins/main/loopback ./plugins/meta/portmap)
fi

if version_ok "$BIN/kube-router" "v$KUBE_ROUTER_VERSION" --version; then
  log "kube-router v$KUBE_ROUTER_VERSION already built"
else
  log "building kube-router v$KUBE_ROUTER_VERSION (NetworkPolicy firewall only; about 2 minutes cold)"
  src=$(module_dir "github.com/cloudnativelabs/kube-router/v2@v$KUBE_ROUTER_VERSION")
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v$KUBE_ROUTER_VERSION" \
    -o "$BIN/kube-router" ./cmd/kube-router)
fi

if version_ok "$BIN/coredns" "CoreDNS-$COREDNS_VERSION" -version && version_ok "$BIN/coredns" "dns.bind" -plugins; then
  log "CoreDNS v$COREDNS_VERSION already built"
else
  # A main with only the plugins the cluster resolver uses: no forwarder, so it never
  # answers for names outside the cluster zone, and far less to compile than the full set.
  log "building CoreDNS v$COREDNS_VERSION (bind, kubernetes, errors, log, health, ready plugins)"
  work="$cache/build/coredns-v$COREDNS_VERSION"
  mkdir -p "$work"
  (
    cd "$work"
    cat > main.go <<'GO'
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() { coremain.Run() }
GO
    if [ ! -f go.mod ]; then
      go mod init example.invalid/tre-coredns >/dev/null 2>&1
      go mod edit -require="github.com/coredns/coredns@v$COREDNS_VERSION"
    fi
    GOFLAGS=-mod=mod go mod tidy
    GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$BIN/coredns" .
  )
fi

if version_ok "$BIN/kubelet" "v$KUBERNETES_VERSION" --version; then
  log "kubelet v$KUBERNETES_VERSION already built"
else
  # The control plane's wrapper module and the very same -trimpath -ldflags, so the Go build
  # cache reuses every package the apiserver build already compiled. Waits for that build.
  bash "$here/build-kubernetes.sh"
  exec 9>"$cache/.kubernetes.lock"
  flock 9
  MINOR=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
  LD="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD="$LD -X $p.gitVersion=v$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean"
  done
  log "building kubelet v$KUBERNETES_VERSION (shares the control plane's compiled packages)"
  (cd "$cache/build/kubernetes-v$KUBERNETES_VERSION" \
    && GOFLAGS=-mod=mod go build -trimpath -ldflags "$LD" -o "$BIN/kubelet" k8s.io/kubernetes/cmd/kubelet)
  flock -u 9
fi

log "node binaries ready in $BIN, CNI plugins in $CNI_BIN"
echo "$NODE" > "$cache/node-path"
exit 0
}
