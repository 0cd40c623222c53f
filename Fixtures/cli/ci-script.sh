#!/usr/bin/env bash
# A CI script written for helm v4, run step by step with $HELM in place of helm.
# Usage: ci-script.sh HELM REPO_URL NAMESPACE OUTDIR
# Every step leaves OUTDIR/NN-name.{out,err,rc}; the script itself never stops on a failed step.
# The caller gives each run its own HELM_* config folders, KUBECONFIG and namespace.
set -u
HELM=$1 REPO=$2 NS=$3 OUT=$4
mkdir -p "$OUT"
here=$(cd "$(dirname "$0")" && pwd)
n=0
step() {
    local name=$1; shift
    n=$((n + 1))
    local base; base=$(printf '%s/%02d-%s' "$OUT" "$n" "$name")
    "$@" >"$base.out" 2>"$base.err" </dev/null
    echo $? >"$base.rc"
}
stepin() {  # like step, with standard input from the file $2
    local name=$1 input=$2; shift 2
    n=$((n + 1))
    local base; base=$(printf '%s/%02d-%s' "$OUT" "$n" "$name")
    "$@" >"$base.out" 2>"$base.err" <"$input"
    echo $? >"$base.rc"
}

step repo-add               "$HELM" repo add local "$REPO"
step repo-add-again         "$HELM" repo add local "$REPO"
step repo-update            "$HELM" repo update
step repo-list              "$HELM" repo list
step repo-list-json         "$HELM" repo list -o json
step search-versions        "$HELM" search repo local/rabbitmq --versions
step search-json            "$HELM" search repo rabbitmq --versions -o json
step upgrade-install        "$HELM" upgrade --install rabbit local/rabbitmq --version 6.10.0 -n "$NS" --create-namespace \
                                     -f "$here/values-rabbit.yaml" --set persistence.enabled=false
step list                   "$HELM" list -n "$NS"
step list-json              "$HELM" list -n "$NS" -o json
step get-values-json        "$HELM" get values rabbit -n "$NS" -o json
step get-values             "$HELM" get values rabbit -n "$NS"
step history-json           "$HELM" history rabbit -n "$NS" -o json
step status-json            "$HELM" status rabbit -n "$NS" -o json
step upgrade-reset-reuse    "$HELM" upgrade rabbit local/rabbitmq --version 6.16.6 -n "$NS" --reset-then-reuse-values --set-string extra=yes
step get-values-after       "$HELM" get values rabbit -n "$NS" -o json
step upgrade-reuse          "$HELM" upgrade -i rabbit local/rabbitmq --version 6.16.6 -n "$NS" --reuse-values --set replicas=1
step history                "$HELM" history rabbit -n "$NS"
step rollback               "$HELM" rollback rabbit 1 -n "$NS"
step history-after-rollback "$HELM" history rabbit -n "$NS" -o json
step install-generate-name  "$HELM" install local/nginx --generate-name -n "$NS" --set service.type=ClusterIP
step install-dry-run-server "$HELM" install web local/nginx -n "$NS" --dry-run=server --set service.type=ClusterIP
step install                "$HELM" install web local/nginx -n "$NS" --set service.type=ClusterIP -o json
step install-again          "$HELM" install web local/nginx -n "$NS"
step get-manifest           "$HELM" get manifest web -n "$NS"
step list-short             "$HELM" list -n "$NS" -q
step list-filter            "$HELM" ls -n "$NS" --filter '^r' --no-headers
step uninstall              "$HELM" uninstall web -n "$NS"
step status-gone            "$HELM" status web -n "$NS"
stepin template-repo "$here/values-nginx.yaml" \
                            "$HELM" template myrel nginx --repo "$REPO" --version 22.1.1 --values -
# The forms the tools that drive helm send (read from their sources).
step kustomize-pull         "$HELM" pull nginx --repo "$REPO" --version 22.1.1 --untar --untardir "$OUT/charts"
mkdir -p "$OUT/pulled"
step argocd-pull            "$HELM" pull local/nginx --version 22.1.1 --destination "$OUT/pulled"
step argocd-template        "$HELM" template "$OUT/charts/nginx" --name-template argo-app --namespace argo-ns --kube-version 1.28 \
                                     --api-versions monitoring.coreos.com/v1 --api-versions apps/v1,batch/v1 --include-crds --skip-tests \
                                     --values "$here/values-nginx.yaml"
step argocd-show-values     "$HELM" show values "$OUT/charts/nginx"
step argocd-dep-list        "$HELM" dependency list "$OUT/charts/nginx"
step kustomize-template     "$HELM" template kust "$OUT/charts/nginx" --namespace kust-ns --include-crds --skip-tests --no-hooks
stepin tanka-template "$here/values-nginx.yaml" \
                            "$HELM" template tk "$OUT/charts/nginx" --values - --namespace tk
step helmdiff-template      "$HELM" template rabbit local/rabbitmq --version 6.10.0 --is-upgrade --namespace "$NS"
step helmdiff-get-all       "$HELM" get all rabbit -n "$NS" --template '{{.Release.Name}} {{.Release.Namespace}} {{.Release.Version}}'
step helmdiff-get-hooks     "$HELM" get hooks rabbit -n "$NS"
step helmdiff-dry-run       "$HELM" upgrade --install rabbit local/rabbitmq --version 6.10.0 -n "$NS" --dry-run=server --reuse-values
rm -rf "$OUT/nodeps" && mkdir -p "$OUT/nodeps" && cp -r "$OUT/charts/nginx" "$OUT/nodeps/" && rm -rf "$OUT/nodeps/nginx/charts"
step package-missing-deps   "$HELM" package "$OUT/nodeps/nginx" -d "$OUT/packaged"
step dep-list-missing-path  "$HELM" dependency list ./no-such-chart
step lint-with-subcharts    "$HELM" lint "$OUT/charts/nginx" --with-subcharts
step ct-version             "$HELM" version --template '{{ .Version }}'
step helmfile-list          "$HELM" list --filter '^rabbit$' -n "$NS" --deployed --failed --pending
step uninstall-keep         "$HELM" uninstall rabbit -n "$NS" --keep-history
step list-uninstalled       "$HELM" list -n "$NS" --uninstalled
step install-over-kept      "$HELM" install rabbit local/rabbitmq --version 6.10.0 -n "$NS" -f "$here/values-rabbit.yaml"
step reinstall-upgrade-i    "$HELM" upgrade -i rabbit local/rabbitmq --version 6.10.0 -n "$NS" -f "$here/values-rabbit.yaml"
step history-after-reinstall "$HELM" history rabbit -n "$NS" -o json
step uninstall-purge        "$HELM" uninstall rabbit -n "$NS"
step version-short          "$HELM" version --short
step usage-unknown-command  "$HELM" frobnicate
step usage-unknown-flag     "$HELM" list --bogus
step usage-bad-output       "$HELM" list -o xml
step usage-missing-arg      "$HELM" status
step usage-upgrade-args     "$HELM" upgrade only-a-name
step repo-remove            "$HELM" repo remove local
