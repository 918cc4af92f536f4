#!/usr/bin/env bash
# Builds the container images without a registry: a Debian base made with mmdebstrap,
# then buildah builds the Dockerfiles in images/ on top of it (the base name is their
# BASE_IMAGE build argument), plus a pause image and a small test image holding a static
# busybox. Each image is exported as an OCI archive into a cache folder, keyed by a hash of
# its Dockerfile and inputs: an unchanged image is not rebuilt.
# Writes $cache/images/index.tsv: name, image reference, archive path (one line each).
set -euo pipefail
# One brace group, so bash parses all of it before running any of it (see build-kubernetes.sh).
{
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${TRE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tre-orchestrator}
out="$cache/images"
mkdir -p "$out"
exec 7>"$cache/.images.lock"
flock 7   # one image build at a time
log() { printf '[build-images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
# buildah keeps its own store under the cache, never the host's /var/lib/containers.
bah() { buildah --storage-driver vfs --root "$out/storage" --runroot "$out/run" "$@"; }
sha() { sha256sum | cut -c1-16; }

SUITE=bookworm
BASE_PACKAGES=python3-minimal,python3-venv,ca-certificates,passwd
MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
         "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")
base_key=$(printf '%s\n' "$SUITE" "$BASE_PACKAGES" "${MIRRORS[@]}" | sha)
BASE="localhost/tre-debian-base:$base_key"
index="$out/index.tsv.tmp"
: > "$index"

have_image() { bah inspect --type image "$1" >/dev/null 2>&1; }

export_image() {  # name, reference -> archive in the cache, line in the index
  local name=$1 ref=$2 archive="$out/$1-${2##*:}.oci.tar"
  if [ ! -s "$archive" ]; then
    rm -f "$archive.tmp"
    bah push --quiet "$ref" "oci-archive:$archive.tmp:$ref"
    mv "$archive.tmp" "$archive"
  fi
  printf '%s\t%s\t%s\n' "$name" "$ref" "$archive" >> "$index"
}

if have_image "$BASE"; then
  log "Debian base $BASE already built"
else
  log "making the Debian $SUITE base with mmdebstrap ($BASE_PACKAGES)"
  rootfs="$out/base-$base_key.tar"
  rm -f "$rootfs"
  mmdebstrap --quiet --variant=apt --include="$BASE_PACKAGES" "$SUITE" "$rootfs" "${MIRRORS[@]}"
  c=$(bah from scratch)
  bah add --quiet "$c" "$rootfs" /
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$c"
  bah commit --quiet --rm "$c" "$BASE" >/dev/null
  rm -f "$rootfs"
fi

busybox=/bin/busybox
banner=$("$busybox" --help 2>&1 || true)
[[ $banner == BusyBox* ]] || { echo "Debian's busybox-static is missing: run .ci/install-system.sh" >&2; exit 1; }

scratch_image() {  # name, key text, buildah config args... -> a scratch image with busybox
  local name=$1 key; key=$( (printf '%s\n' "$2"; cat "$busybox") | sha); shift 2
  local ref="localhost/tre-$name:$key"
  if have_image "$ref"; then
    log "$ref already built"
  else
    log "building $ref"
    local c; c=$(bah from scratch)
    bah copy --quiet "$c" "$busybox" /bin/busybox
    bah config "$@" "$c"
    bah commit --quiet --rm "$c" "$ref" >/dev/null
  fi
  export_image "$name" "$ref"
}

# The sandbox ("pause") image of every pod: sleeps until stopped.
PAUSE_CMD="trap 'exit 0' TERM INT; while :; do sleep 3600 & wait \$!; done"
scratch_image pause "$PAUSE_CMD" --user 65534:65534 \
  --entrypoint "[\"/bin/busybox\", \"sh\", \"-c\", \"$PAUSE_CMD\"]"
# Test pods: listeners and probes with busybox nc (Debian's static wget crashes).
scratch_image test "busybox as entrypoint" --user 65534:65534 --entrypoint '["/bin/busybox"]' --cmd sh

context_tar() {  # files... -> a deterministic tar of them on stdout
  (cd "$repo" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --exclude=__pycache__ --exclude='*.pyc' -cf - "$@")
}

for name in orchestrator hub workspace; do
  case $name in
    orchestrator) inputs=(pyproject.toml README.md orchestrator policies) ;;
    workspace) inputs=(pyproject.toml README.md orchestrator) ;;
    hub) inputs=() ;;
  esac
  dockerfile="$repo/images/$name/Dockerfile"
  ctx=$(mktemp -d)
  [ ${#inputs[@]} -eq 0 ] || context_tar "${inputs[@]}" | tar -xf - -C "$ctx"
  key=$( (printf '%s\n' "$BASE"; cat "$dockerfile"; [ ${#inputs[@]} -eq 0 ] || context_tar "${inputs[@]}") | sha)
  ref="localhost/tre-$name:$key"
  if have_image "$ref"; then
    log "$ref already built"
  else
    log "building $ref from images/$name/Dockerfile"
    # The host's CA bundle, for a TLS-inspecting proxy between this machine and PyPI/npm:
    # a build secret, so it is in no layer of the image.
    bah bud --quiet --isolation chroot --pull=never --layers=false \
      --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt \
      --build-arg "BASE_IMAGE=$BASE" -f "$dockerfile" -t "$ref" "$ctx" >/dev/null
  fi
  rm -rf "$ctx"
  export_image "$name" "$ref"
done

mv "$index" "$out/index.tsv"
log "images ready: $out/index.tsv"
exit 0
}
