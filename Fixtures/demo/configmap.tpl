{{- define "labels" }}
    app.kubernetes.io/name: {{ .name }}
    app.kubernetes.io/version: {{ .version | printf "%q" }}
{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-config" .name }}
  labels:
    {{- template "labels" . }}
data:
{{- range $key, $value := .settings }}
  {{ $key }}: {{ printf "%v" $value | printf "%q" }}
{{- end }}
{{- if gt (len .replicas) 0 }}
  replicas: "{{ index .replicas 0 }}"
{{- end }}
