#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok and helm
# from their published Go modules into a cache folder keyed by version.
# Idempotent: a binary whose --version already matches is not rebuilt.
set -euo pipefail
# The whole script is one brace group, so bash parses all of it before running any of it:
# editing (or updating through git) the file during a long build cannot break that build.
{
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${TRE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tre-orchestrator}
BIN="$cache/kubernetes-v$KUBERNETES_VERSION-etcd-v$ETCD_VERSION-kwok-v$KWOK_VERSION-helm-v$HELM_VERSION/bin"
WORK="$cache/build/kubernetes-v$KUBERNETES_VERSION"
mkdir -p "$BIN" "$WORK"
exec 9>"$cache/.kubernetes.lock"
flock 9   # one build at a time, however many make runs start it
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
MINOR=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
PATCH=$(echo "$KUBERNETES_VERSION" | cut -d. -f3)
log() { printf '[build-kubernetes %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

version_ok() {  # name, expected substring, args...
  local name=$1 expect=$2 out; shift 2
  # Capture first: with pipefail, `cmd | grep -q` fails at random when grep exits before cmd.
  [ -x "$BIN/$name" ] && out=$("$BIN/$name" "$@" 2>&1) && [[ $out == *"$expect"* ]]
}

if version_ok kube-apiserver "v$KUBERNETES_VERSION" --version \
  && version_ok kube-controller-manager "v$KUBERNETES_VERSION" --version \
  && version_ok kube-scheduler "v$KUBERNETES_VERSION" --version \
  && version_ok etcd "$ETCD_VERSION" --version; then
  log "kubernetes v$KUBERNETES_VERSION and etcd v$ETCD_VERSION already built"
else
  cd "$WORK"
  if [ ! -f go.mod ]; then
    log "preparing wrapper module for k8s.io/kubernetes v$KUBERNETES_VERSION"
    go mod init example.invalid/k8s-test-binaries >/dev/null 2>&1
    tmp=$(mktemp -d)
    GOMOD=$(cd "$tmp" && go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" \
      | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
    rm -rf "$tmp"
    for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$GOMOD" | sort -u); do
      go mod edit -replace="$m=$m@v0.$MINOR.$PATCH"
    done
    go mod edit -require="k8s.io/kubernetes@v$KUBERNETES_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
    log "resolving modules (about 1 GB into the Go module cache on a cold machine)"
    go mod tidy
  fi
  LD="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD="$LD -X $p.gitVersion=v$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean"
  done
  log "building kube-apiserver, kube-controller-manager, kube-scheduler (about 10 minutes cold on 2 cores)"
  go build -trimpath -ldflags "$LD" -o "$BIN/" k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  log "building etcd"
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.Version=$ETCD_VERSION" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
fi

if version_ok kwok "$KWOK_VERSION" --version; then
  log "kwok v$KWOK_VERSION already built"
else
  log "building kwok v$KWOK_VERSION (about 2 minutes cold)"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
fi
stages="$BIN/../kwok-stages.yaml"
if [ ! -s "$stages" ]; then
  src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage"
  [ -d "$src" ] || (cd "$(mktemp -d)" && go mod download "sigs.k8s.io/kwok@v$KWOK_VERSION")
  : > "$stages.tmp"
  for f in "$src"/node/fast/*.yaml "$src"/node/heartbeat-with-lease/*.yaml "$src"/pod/fast/*.yaml; do
    case "$f" in */kustomization.yaml) continue ;; esac
    printf -- '---\n' >> "$stages.tmp"; cat "$f" >> "$stages.tmp"; printf '\n' >> "$stages.tmp"
  done
  mv "$stages.tmp" "$stages"
fi

if version_ok helm "v$HELM_VERSION" version --short; then
  log "helm v$HELM_VERSION already built"
else
  log "building helm v$HELM_VERSION (about 2 minutes cold)"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
fi
log "binaries ready in $BIN"
echo "$BIN" > "$cache/kubernetes-bin-path"
exit 0
}
