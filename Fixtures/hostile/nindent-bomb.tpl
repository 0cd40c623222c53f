{{ $s := repeat 1000000 "\n" }}{{ nindent 100000 $s | len }}
