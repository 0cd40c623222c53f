{{ range 1000000000 }}{{ range 1000000000 }}{{ end }}{{ end }}
