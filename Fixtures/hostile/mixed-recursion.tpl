{{- define "a" }}{{ tpl "{{ include \"b\" . }}" . }}{{ end }}{{- define "b" }}{{ template "a" . }}{{ end }}{{ include "a" . }}
