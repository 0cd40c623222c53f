{{ range until 1000000 }}{{ repeat 1000 "x" }}{{ end }}
