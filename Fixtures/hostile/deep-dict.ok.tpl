a: {{ $d := dict }}{{ range until 50000 }}{{ $d = dict "a" $d }}{{ end }}{{ toJson $d | len }}
