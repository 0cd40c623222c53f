{{ regexFindAll "" (repeat 2000000 "x") -1 | len }}
