{{ until 100000000000 | len }}
