import Values

/// The defaults kube-apiserver fills into a Deployment and its pod template when they are
/// written, so that what a client reads back (and what a dry-run apply returns) has the shape a
/// real server gives it.
extension APIServerCore {
    func applyDefaults(_ r: ResourceType, _ obj: Map) {
        guard r.builtin, r.name == "deployments", case .map(let spec)? = obj.entries["spec"] else { return }
        func setIfMissing(_ m: Map, _ k: String, _ v: Value) { if m.entries[k] == nil { m.entries[k] = v } }
        setIfMissing(spec, "replicas", .float(1))
        setIfMissing(spec, "revisionHistoryLimit", .float(10))
        setIfMissing(spec, "progressDeadlineSeconds", .float(600))
        if case .map(let strategy)? = spec.entries["strategy"] {
            setIfMissing(strategy, "type", .string("RollingUpdate"))
            if strategy.entries["type"]?.stringValue == "RollingUpdate" {
                if case .map(let ru)? = strategy.entries["rollingUpdate"] {
                    setIfMissing(ru, "maxUnavailable", .string("25%")); setIfMissing(ru, "maxSurge", .string("25%"))
                } else {
                    strategy.entries["rollingUpdate"] = .map(["maxUnavailable": .string("25%"), "maxSurge": .string("25%")])
                }
            }
        } else {
            spec.entries["strategy"] = .map(["type": .string("RollingUpdate"),
                                             "rollingUpdate": .map(["maxUnavailable": .string("25%"), "maxSurge": .string("25%")])])
        }
        if case .map(let tpl)? = spec.entries["template"] {
            if case .map(let md)? = tpl.entries["metadata"] { setIfMissing(md, "creationTimestamp", .null) }
            if case .map(let ps)? = tpl.entries["spec"] { podDefaults(ps) }
        }
        setIfMissing(obj, "status", .map([:]))
    }

    func podDefaults(_ ps: Map) {
        func setIfMissing(_ m: Map, _ k: String, _ v: Value) { if m.entries[k] == nil { m.entries[k] = v } }
        setIfMissing(ps, "restartPolicy", .string("Always"))
        setIfMissing(ps, "terminationGracePeriodSeconds", .float(30))
        setIfMissing(ps, "dnsPolicy", .string("ClusterFirst"))
        setIfMissing(ps, "securityContext", .map([:]))
        setIfMissing(ps, "schedulerName", .string("default-scheduler"))
        for key in ["containers", "initContainers"] {
            guard case .list(let cs)? = ps.entries[key] else { continue }
            for c in cs.items {
                guard case .map(let cm) = c else { continue }
                setIfMissing(cm, "resources", .map([:]))
                setIfMissing(cm, "terminationMessagePath", .string("/dev/termination-log"))
                setIfMissing(cm, "terminationMessagePolicy", .string("File"))
                let image = cm.entries["image"]?.stringValue ?? ""
                let tag = image.split(separator: "/").last.map { $0.contains(":") ? String($0.split(separator: ":").last!) : "" } ?? ""
                setIfMissing(cm, "imagePullPolicy", .string(tag.isEmpty || tag == "latest" ? "Always" : "IfNotPresent"))
                if case .list(let ports)? = cm.entries["ports"] {
                    for p in ports.items { if case .map(let pm) = p { setIfMissing(pm, "protocol", .string("TCP")) } }
                }
            }
        }
    }
}
