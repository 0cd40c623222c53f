{{ $s := "x" }}{{ range until 64 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}
