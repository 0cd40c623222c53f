#!/usr/bin/env bash
# make demo: the main job end to end. Starts the loopback Kubernetes API server and a chart
# repository on 127.0.0.1, then installs, upgrades, rolls back and deletes a HelmRelease.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release}
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Bold only on a terminal: piped or logged output stays plain text.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
hrctl() { "$BIN/hrctl" --kubeconfig "$work/kubeconfig" "$@"; }

# A chart repository: the shop chart packaged at 1.0.0 and 1.1.0, indexed.
mkdir -p "$work/repo"
"$BIN/hrctl" package Fixtures/charts/shop -d "$work/repo" >/dev/null
"$BIN/hrctl" package Fixtures/charts/shop -d "$work/repo" --version 1.1.0 --app-version 2.1 >/dev/null
"$BIN/hrctl" repo index "$work/repo"

start_server() {
    "$BIN/kube-test-server" --kubeconfig "$work/kubeconfig" --serve "$work/repo" --serve-port "$1" >"$work/urls" 2>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 100); do
        [ "$(wc -l <"$work/urls")" -ge 2 ] && return 0
        kill -0 "$server_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
# Port 8879 as the release file says; any free port when it is taken.
start_server 8879 || start_server 0 || { cat "$work/server.err"; exit 1; }
api=$(sed -n 1p "$work/urls"); charts=$(sed -n 2p "$work/urls")
echo "loopback API server: $api (kubeconfig $work/kubeconfig)"
echo "chart repository:    $charts"
sed "s#http://127.0.0.1:8879/#$charts/#" Fixtures/releases/shop.yaml >"$work/shop.yaml"

step cat Fixtures/releases/shop.yaml
sed -n '/^apiVersion/,$p' "$work/shop.yaml"
step hrctl apply -f shop.yaml
hrctl apply -f "$work/shop.yaml"
step hrctl apply -f shop.yaml "   # again: nothing changed"
hrctl apply -f "$work/shop.yaml"
step hrctl list -A
hrctl list -A
step hrctl status shop -n demo
hrctl status shop -n demo

sed -i 's/version: 1.0.0/version: 1.1.0/; s/replicas: 2/replicas: 3/' "$work/shop.yaml"
step "# edit shop.yaml: chart version 1.1.0, replicas 3"
step hrctl diff -f shop.yaml
hrctl diff -f "$work/shop.yaml"
step hrctl apply -f shop.yaml
hrctl apply -f "$work/shop.yaml"
step hrctl history shop -n demo
hrctl history shop -n demo
step hrctl rollback shop 1 -n demo
hrctl rollback shop 1 -n demo
step hrctl history shop -n demo
hrctl history shop -n demo
step hrctl get values shop -n demo
hrctl get values shop -n demo
step hrctl delete shop -n demo
hrctl delete shop -n demo
step hrctl list -A
hrctl list -A

# The same binary as a drop-in helm: helm's command line, helm's repositories.yaml (here in $work).
export HELM_CONFIG_HOME="$work/helm-config" HELM_CACHE_HOME="$work/helm-cache"
step helm repo add demo "$charts"   "   # hrctl installed as helm (ln -s hrctl helm)"
hrctl repo add demo "$charts"
step helm upgrade --install web demo/shop -n shop2 --create-namespace --set replicas=1
hrctl upgrade --install web demo/shop -n shop2 --create-namespace --set replicas=1
step helm upgrade --install web demo/shop -n shop2 --reuse-values --set message=again
hrctl upgrade --install web demo/shop -n shop2 --reuse-values --set message=again | head -1
step helm list -n shop2 -o json
hrctl list -n shop2 -o json
step helm uninstall web -n shop2
hrctl uninstall web -n shop2
echo
echo "demo complete"
