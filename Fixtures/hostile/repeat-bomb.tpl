{{ repeat 300000000 "xxxxxxxxxx" | len }}
