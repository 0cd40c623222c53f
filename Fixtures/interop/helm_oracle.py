#!/usr/bin/env python3
"""Real Helm (v4, through PyPI's helm-python-sdk) as an oracle for hrctl's interop tests.

usage: helm_oracle.py KUBECONFIG NAMESPACE OP [ARGS_JSON]
OP: install|upgrade (args: chart, name, values), list, history (args: name), values (args: name).
Prints the SDK's answer as JSON on stdout; an SDK error exits 1 with the message on stderr.
"""
import json
import sys

try:
    import helm_python as helm
except ImportError:
    print("helm-python-sdk is not installed", file=sys.stderr)
    sys.exit(3)

kubeconfig, namespace, op = sys.argv[1:4]
args = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
cfg = helm.Config(kubeconfig_path=kubeconfig, namespace=namespace)
try:
    if op == "install":
        out = cfg.install(args["chart"], args["name"], args.get("values"), namespace=namespace, create_namespace=True, timeout=60)
    elif op == "upgrade":
        out = cfg.upgrade(args["chart"], args["name"], args.get("values"), namespace=namespace, timeout=60)
    elif op == "list":
        out = cfg.list()
    elif op == "history":
        out = cfg.history(args["name"])
    elif op == "values":
        out = cfg.get_values(args["name"])
    else:
        raise SystemExit("unknown op " + op)
except helm.HelmError as e:
    print(str(e), file=sys.stderr)
    sys.exit(1)
print(json.dumps(out, default=str))
