{{ tpl .Values.x . }}
