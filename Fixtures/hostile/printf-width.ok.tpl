a: {{ printf "%*d" 100000000000 1 | len }} {{ printf "%099999999999d" 1 | len }} {{ printf "%.*f" 100000000000 1.5 | len }}
