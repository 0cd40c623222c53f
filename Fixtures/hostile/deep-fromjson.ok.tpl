{{ fromJson (printf "%s1%s" (repeat 200000 "[") (repeat 200000 "]")) | toJson }}
