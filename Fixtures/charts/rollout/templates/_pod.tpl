{{- define "rollout.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "rollout.container" -}}
containers:
- name: main
  image: "example.test/app:{{ .Values.tag }}"
  resources: {requests: {cpu: 10m, memory: 8Mi}}
{{- end -}}
