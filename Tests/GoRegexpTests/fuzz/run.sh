#!/usr/bin/env bash
# Random regular expressions scored against real Helm (Go's regexp) with ../shared/tools/fuzz's
# oracle and scorer. usage: run.sh HRCTL [SEED] [N]
set -euo pipefail
hr=$1; seed=${2:-$RANDOM}; n=${3:-500}
here=$(cd "$(dirname "$0")" && pwd); fuzz=$here/../../../../shared/tools/fuzz
cases=$(mktemp); vectors=$(mktemp); trap 'rm -f $cases $vectors' EXIT
python3 "$here/gen-regex.py" "$seed" "$n" > "$cases"
python3 "$fuzz/helm-oracle.py" < "$cases" > "$vectors"
echo "seed $seed, $(wc -l < "$vectors") cases"
python3 "$fuzz/score.py" helm "$hr" "$vectors"
