a: {{ tpl "{{ tpl \" \" . }}{{ tpl \"{{ tpl \\\"  \\\" . }}\" . }}x" . | quote }}
