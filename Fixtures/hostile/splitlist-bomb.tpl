{{ splitList "" (repeat 2000000 "x") | len }}
