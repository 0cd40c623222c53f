{{ tpl "{{ define \"d\" }}{{ tpl \"{{ include \\\"d\\\" . }}\" . }}{{ end }}{{ include \"d\" . }}" . }}
