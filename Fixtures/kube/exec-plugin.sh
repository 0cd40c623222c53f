#!/bin/sh
# An exec credential plugin for tests: echoes the token it was given and counts its runs.
if [ -n "$RUN_LOG" ]; then echo run >> "$RUN_LOG"; fi
case "$KUBERNETES_EXEC_INFO" in
  *'"kind":"ExecCredential"'*) ;;
  *) echo "no KUBERNETES_EXEC_INFO" >&2; exit 3 ;;
esac
cat <<JSON
{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"$1","expirationTimestamp":"$EXPIRY"}}
JSON
