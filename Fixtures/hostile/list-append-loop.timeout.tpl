{{ $l := list }}{{ range until 1000000 }}{{ range until 1000000 }}{{ $l = append $l 1 }}{{ end }}{{ end }}{{ len $l }}
