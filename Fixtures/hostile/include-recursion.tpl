{{- define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}
