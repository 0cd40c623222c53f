{{ replace "" (repeat 1000 "y") (repeat 1000000 "x") | len }}
