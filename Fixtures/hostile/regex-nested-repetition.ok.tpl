a: {{ regexMatch "(a+)+$" (printf "%sb" (repeat 100000 "a")) }} {{ regexMatch "(x+x+)+y" (repeat 50000 "x") }}
