{{ untilStep 0 9000000000000000000 1 | len }}
