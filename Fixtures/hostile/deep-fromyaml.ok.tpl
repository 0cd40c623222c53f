{{ fromYaml (printf "a: %s1%s" (repeat 200000 "[") (repeat 200000 "]")) | toJson }}
