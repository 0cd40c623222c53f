#!/usr/bin/env python3
"""Random regular expressions through Sprig's regex functions, in the case format of
../shared/tools/fuzz (answered by its helm-oracle.py, scored by its score.py), where gen-helm.py
only has five fixed patterns: syntax Go accepts and refuses (classes, repetition, flags, named
groups, anchors, escapes, lookarounds, backreferences), texts with multi-byte runes.
usage: gen-regex.py SEED N > cases.jsonl   (run.sh does the whole loop)"""
import json, random, sys
seed, n = int(sys.argv[1]), int(sys.argv[2])
R = random.Random(seed)
ATOMS = ["a", "b", "x", ".", "\\d", "\\w", "\\s", "\\b", "\\B", "[a-c]", "[^ab]", "[[:alpha:]]", "\\pL", "\\p{Greek}",
         "é", "日", "^", "$", "\\A", "\\z", "(?i)a", "(?s).", "(?m)^b", "\\.", "\\$", "\\Q.*\\E", "[\\d-]"]
BAD = ["(", ")", "[", "a**", "x{1001}", "\\1", "(a)\\1", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "\\C", "\\Z", "[z-a]",
       "(?P<n>a)(?P<n>b)", "(?<1x>a)", "\\", "*a", "a{2}{3}", "(?z)", "\\8", "x++"]
TEXTS = ["abc", "aaa b", "x.y$z", "ébé 日本", "a\nb\nab", "", "AbCaB", "123-45", "αβγ abc", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"]
def pattern(d=0):
    if R.random() < 0.08: return R.choice(BAD)
    parts = []
    for _ in range(R.randint(1, 4)):
        k = R.random()
        if k < 0.55 or d > 2: p = R.choice(ATOMS)
        elif k < 0.7: p = "(" + pattern(d + 1) + ")"
        elif k < 0.8: p = "(?:" + pattern(d + 1) + "|" + pattern(d + 1) + ")"
        elif k < 0.9: p = "(?P<g%d>" % R.randint(0, 2) + pattern(d + 1) + ")"
        else: p = "(?<h%d>" % R.randint(0, 2) + pattern(d + 1) + ")"
        if R.random() < 0.35: p += R.choice(["*", "+", "?", "*?", "+?", "{2}", "{1,3}", "{0,}"])
        parts.append(p)
    return "".join(parts)
def q(s): return json.dumps(s)
REPL = ["-", "$1", "${1}x", "$g0", "${h1}", "$$", "$0", "$2$1", "[$10]", "$x"]
for i in range(n):
    p, t = q(pattern()), q(R.choice(TEXTS))
    e = R.choice([f"regexMatch {p} {t}", f"mustRegexMatch {p} {t}", f"regexFind {p} {t}", f"regexFindAll {p} {t} {R.choice([-1, 1, 2])}",
                  f"regexReplaceAll {p} {t} {q(R.choice(REPL))}", f"regexReplaceAllLiteral {p} {t} {q(R.choice(REPL))}",
                  f"regexSplit {p} {t} {R.choice([-1, 0, 1, 2])}", f"mustRegexFind {p} {t}", f"regexQuoteMeta {p}"])
    print(json.dumps({"name": f"rx{seed}_{i}", "template": "{{ " + e + " | toJson }}\n", "values": ""}))
