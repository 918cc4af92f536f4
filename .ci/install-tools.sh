#!/usr/bin/env bash
# Installs the non-Python tools into the shared cache folder, keyed by version:
# configurable-http-proxy and axe-core (npm), the single-user notebook environment (its own venv,
# built from the system interpreter so unprivileged users can run it) and Keycloak
# (from Maven Central), and promtool (from Debian's prometheus package). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"
cache=${TRE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tre-orchestrator}
mkdir -p "$cache"
exec 9>"$cache/.tools.lock"
flock 9   # one build at a time, however many make runs start it
log() { printf '[install-tools %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

chp="$cache/configurable-http-proxy-$CHP_VERSION"
if [ -x "$chp/node_modules/.bin/configurable-http-proxy" ]; then
  log "configurable-http-proxy $CHP_VERSION present"
else
  log "installing configurable-http-proxy $CHP_VERSION from npm"
  npm install --silent --no-audit --no-fund --prefix "$chp" "configurable-http-proxy@$CHP_VERSION" >/dev/null
fi

# axe-core: the accessibility checker the browser tests inject into the airlock's pages.
axe="$cache/axe-core-$AXE_CORE_VERSION"
if [ -f "$axe/node_modules/axe-core/axe.min.js" ]; then
  log "axe-core $AXE_CORE_VERSION present"
else
  log "installing axe-core $AXE_CORE_VERSION from npm"
  npm install --silent --no-audit --no-fund --prefix "$axe" "axe-core@$AXE_CORE_VERSION" >/dev/null
fi

# Single-user servers run as an unprivileged user, so their environment must sit where
# every user can reach it; a home directory (and so the cache) is often mode 0700.
# As root, use a shared folder; otherwise the cache (servers then run as this user).
if [ "$(id -u)" = 0 ]; then shared=${TRE_SHARED_DIR:-/opt/tre-orchestrator}; else shared=$cache; fi
mkdir -p "$shared" && chmod a+rx "$shared"
su_venv="$shared/singleuser-jupyterhub-$JUPYTERHUB_VERSION"
if [ -x "$su_venv/bin/jupyterhub-singleuser" ] && [ -x "$su_venv/bin/jupyter-lab" ]; then
  log "single-user notebook environment present"
else
  log "building the single-user notebook environment (jupyterlab, about 1 minute)"
  rm -rf "$su_venv"
  /usr/bin/python3 -m venv "$su_venv"
  "$su_venv/bin/pip" install -q --upgrade pip
  "$su_venv/bin/pip" install -q "jupyterhub==$JUPYTERHUB_VERSION" jupyterlab
  chmod -R a+rX "$su_venv"
fi
echo "$su_venv" > "$cache/singleuser-env-path"

kc="$cache/keycloak-$KEYCLOAK_VERSION"
if [ -x "$kc/bin/kc.sh" ]; then
  log "keycloak $KEYCLOAK_VERSION present"
else
  log "fetching keycloak $KEYCLOAK_VERSION from Maven Central (160 MB)"
  mvn -q dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -Dtransitive=false
  zip="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  tmp=$(mktemp -d "$cache/keycloak-unzip.XXXX")
  unzip -q "$zip" -d "$tmp"
  rm -rf "$kc"; mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$kc"; rm -rf "$tmp"
fi
# promtool only, from Debian's prometheus package: extracted, never installed, so
# no Prometheus service starts. The chart tests check and unit-test its alerts.
promtool="$cache/promtool/usr/bin/promtool"
if [ -x "$promtool" ]; then
  log "promtool present"
else
  log "extracting promtool from Debian's prometheus package (19 MB)"
  tmp=$(mktemp -d "$cache/promtool-deb.XXXX")
  (cd "$tmp" && chmod a+rwx . && apt-get download -q prometheus >/dev/null 2>&1)
  rm -rf "$cache/promtool"; dpkg-deb -x "$tmp"/prometheus_*.deb "$cache/promtool"
  rm -rf "$cache/promtool/usr/bin/prometheus" "$cache/promtool/lib" "$cache/promtool/etc" "$tmp"
fi
log "tools ready in $cache"
