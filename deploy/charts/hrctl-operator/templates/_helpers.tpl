{{/* The chart's name, truncated to a label's 63 characters. */}}
{{- define "hrctl-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: the release's, unless it already contains the chart's name. */}}
{{- define "hrctl-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hrctl-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hrctl-operator.labels" -}}
helm.sh/chart: {{ include "hrctl-operator.chart" . }}
{{ include "hrctl-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hrctl-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hrctl-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hrctl-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hrctl-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "hrctl-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The watch scopes: "" (every namespace) alone, or the listed namespaces. Each becomes one
operator Deployment.
*/}}
{{- define "hrctl-operator.scopes" -}}
{{- if .Values.watchNamespaces }}
{{- toJson .Values.watchNamespaces }}
{{- else }}
{{- toJson (list "") }}
{{- end }}
{{- end }}

{{/* A Deployment's name for a scope: the full name, with the namespace for a listed one. */}}
{{- define "hrctl-operator.scopedName" -}}
{{- $root := index . 0 }}{{- $ns := index . 1 }}
{{- if $ns }}
{{- printf "%s-%s" (include "hrctl-operator.fullname" $root) $ns | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- include "hrctl-operator.fullname" $root }}
{{- end }}
{{- end }}

{{/* The verbs on the kinds the releases install: apply, metadata watches, uninstall. */}}
{{- define "hrctl-operator.releaseVerbs" -}}
[get, list, watch, create, update, patch, delete]
{{- end }}

{{/* Cluster-scoped objects: the release's namespace too, since a release name is unique per namespace only. */}}
{{- define "hrctl-operator.clusterName" -}}
{{- printf "%s-%s" (include "hrctl-operator.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}
