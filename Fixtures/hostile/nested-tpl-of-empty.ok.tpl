a: {{ tpl "{{ tpl \"\" . }}x" . }}
