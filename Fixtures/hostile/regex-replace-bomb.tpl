{{ regexReplaceAll "" (repeat 100000 "x") (repeat 100000 "y") | len }}
