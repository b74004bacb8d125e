import PorticoAPI

/// Upstream's static defaults for the kinds besides Service (pkg/apis/*/v1/defaults.go),
/// limited to the fields Portico's types carry.
enum WorkloadDefaults {
    static func podSpec(_ spec: inout PodSpec) {
        if spec.restartPolicy.isZeroValue { spec.restartPolicy = .always }
        if spec.dnsPolicy.isZeroValue { spec.dnsPolicy = .clusterFirst }
        if spec.terminationGracePeriodSeconds == nil { spec.terminationGracePeriodSeconds = 30 }
        if spec.schedulerName.isEmpty { spec.schedulerName = "default-scheduler" }
        if spec.securityContext == nil { spec.securityContext = .object([:]) }
        for i in spec.containers.indices { self.container(&spec.containers[i]) }
        for i in spec.initContainers.indices { self.container(&spec.initContainers[i]) }
    }

    static func container(_ c: inout Container) {
        if c.terminationMessagePath.isEmpty { c.terminationMessagePath = "/dev/termination-log" }
        if c.terminationMessagePolicy.isEmpty { c.terminationMessagePolicy = "File" }
        if c.imagePullPolicy.isEmpty {
            let tagged = c.image.split(separator: "/").last.map { $0.contains(":") || $0.contains("@") } ?? false
            c.imagePullPolicy = (!tagged || c.image.hasSuffix(":latest")) ? "Always" : "IfNotPresent"
        }
        if c.resources == nil { c.resources = .object([:]) }
        for i in c.ports.indices where c.ports[i].protocol.isZeroValue { c.ports[i].protocol = .tcp }
        for probe in [\Container.livenessProbe, \Container.readinessProbe, \Container.startupProbe] {
            guard var p = c[keyPath: probe] else { continue }
            if p.timeoutSeconds == 0 { p.timeoutSeconds = 1 }
            if p.periodSeconds == 0 { p.periodSeconds = 10 }
            if p.successThreshold == 0 { p.successThreshold = 1 }
            if p.failureThreshold == 0 { p.failureThreshold = 3 }
            if var get = p.httpGet, get.scheme.isEmpty {
                get.scheme = "HTTP"
                if get.path.isEmpty { get.path = "/" }
                p.httpGet = get
            }
            c[keyPath: probe] = p
        }
    }

    static func pod(_ pod: inout Pod) {
        self.podSpec(&pod.spec)
        if pod.spec.priority == nil { pod.spec.priority = 0 }
        if pod.spec.enableServiceLinks == nil { pod.spec.enableServiceLinks = true }
        if pod.spec.serviceAccountName.isEmpty { pod.spec.serviceAccountName = "default" }
        if pod.spec.serviceAccount.isEmpty { pod.spec.serviceAccount = pod.spec.serviceAccountName }
        if pod.spec.preemptionPolicy == nil { pod.spec.preemptionPolicy = "PreemptLowerPriority" }
    }

    static func deployment(_ d: inout Deployment) {
        if d.spec.replicas == nil { d.spec.replicas = 1 }
        if d.spec.strategy.type.isEmpty { d.spec.strategy.type = "RollingUpdate" }
        if d.spec.strategy.type == "RollingUpdate" {
            var rolling = d.spec.strategy.rollingUpdate ?? RollingUpdateDeployment()
            if rolling.maxUnavailable == nil { rolling.maxUnavailable = .string("25%") }
            if rolling.maxSurge == nil { rolling.maxSurge = .string("25%") }
            d.spec.strategy.rollingUpdate = rolling
        }
        if d.spec.revisionHistoryLimit == nil { d.spec.revisionHistoryLimit = 10 }
        if d.spec.progressDeadlineSeconds == nil { d.spec.progressDeadlineSeconds = 600 }
        self.podSpec(&d.spec.template.spec)
    }

    static func replicaSet(_ rs: inout ReplicaSet) {
        if rs.spec.replicas == nil { rs.spec.replicas = 1 }
        if var template = rs.spec.template {
            self.podSpec(&template.spec)
            rs.spec.template = template
        }
    }
}

/// Validation for the kinds besides Service: ObjectMeta as upstream, and the rules a
/// client most often trips over. Portico does not repeat every rule upstream has for
/// these kinds; what it checks it words as upstream does.
enum WorkloadValidation {
    static func podSpec(_ spec: PodSpec, path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if spec.containers.isEmpty { errs.append(.required(path.child("containers"))) }
        var names = Set<String>()
        for (i, c) in spec.containers.enumerated() {
            let p = path.child("containers").index(i)
            if c.name.isEmpty {
                errs.append(.required(p.child("name")))
            } else {
                for m in NameRules.isDNS1123Label(c.name) { errs.append(.invalid(p.child("name"), .string(c.name), m)) }
                if !names.insert(c.name).inserted { errs.append(.duplicate(p.child("name"), .string(c.name))) }
            }
            if c.image.isEmpty { errs.append(.required(p.child("image"))) }
            for (j, port) in c.ports.enumerated() {
                for m in NameRules.isValidPortNum(Int64(port.containerPort)) {
                    errs.append(.invalid(p.child("ports").index(j).child("containerPort"), .int(Int64(port.containerPort)), m))
                }
                if !port.name.isEmpty {
                    for m in NameRules.isValidPortName(port.name) {
                        errs.append(.invalid(p.child("ports").index(j).child("name"), .string(port.name), m))
                    }
                }
            }
        }
        if !spec.restartPolicy.isZeroValue, ![.always, .onFailure, .never].contains(spec.restartPolicy) {
            errs.append(.notSupported(path.child("restartPolicy"), .named(spec.restartPolicy.rawValue), ["Always", "Never", "OnFailure"]))
        }
        if !spec.dnsPolicy.isZeroValue, ![.clusterFirst, .clusterFirstWithHostNet, .default, .none].contains(spec.dnsPolicy) {
            errs.append(.notSupported(path.child("dnsPolicy"), .named(spec.dnsPolicy.rawValue),
                                      ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]))
        }
        if !spec.hostname.isEmpty {
            for m in NameRules.isDNS1123Label(spec.hostname) { errs.append(.invalid(path.child("hostname"), .string(spec.hostname), m)) }
        }
        if !spec.subdomain.isEmpty {
            for m in NameRules.isDNS1123Label(spec.subdomain) { errs.append(.invalid(path.child("subdomain"), .string(spec.subdomain), m)) }
        }
        return errs
    }

    /// Upstream's ValidatePodUpdate: a pod's spec is fixed once created, but for images, the
    /// active deadline, added tolerations and a grace period going from negative to 1.
    static func podSpecUpdate(_ new: PodSpec, _ old: PodSpec) -> [FieldError] {
        if new.containers.count != old.containers.count || new.initContainers.count != old.initContainers.count {
            return [.forbidden("spec.containers", "pod updates may not add or remove containers")]
        }
        var munged = new
        for i in munged.containers.indices { munged.containers[i].image = old.containers[i].image }
        for i in munged.initContainers.indices { munged.initContainers[i].image = old.initContainers[i].image }
        munged.activeDeadlineSeconds = old.activeDeadlineSeconds
        if Array(new.tolerations.prefix(old.tolerations.count)) == old.tolerations { munged.tolerations = old.tolerations }
        if let was = old.terminationGracePeriodSeconds, was < 0, new.terminationGracePeriodSeconds == 1 {
            munged.terminationGracePeriodSeconds = was
        }
        guard munged != old else { return [] }
        let updatable = ["`spec.containers[*].image`", "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
                         "`spec.tolerations` (only additions to existing tolerations)",
                         "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"]
        var detail = "pod updates may not change fields other than \(updatable.joined(separator: ","))\n"
        let oldJSON = (try? old.toJSON().sortedKeys.objectValue) ?? [:]
        let newJSON = (try? munged.toJSON().sortedKeys.objectValue) ?? [:]
        for field in Set(oldJSON.keys).union(newJSON.keys).sorted() where oldJSON[field] != newJSON[field] {
            detail += "  spec.\(field): \(oldJSON[field]?.serialized(.compact) ?? "null") -> \(newJSON[field]?.serialized(.compact) ?? "null")\n"
        }
        return [.forbidden("spec", detail)]
    }

    static func selectorMatchesTemplate(_ selector: LabelSelector?, _ labels: [String: String], path: FieldPath) -> [FieldError] {
        guard let selector else { return [.required(path.child("selector"))] }
        var errs: [FieldError] = []
        if selector.matchLabels.isEmpty && selector.matchExpressions.isEmpty {
            errs.append(.invalid(path.child("selector"), .encoded(selector), "empty selector is invalid for deployment"))
        }
        do {
            let parsed = try Labels.Selector(selector)
            if !parsed.matches(labels) {
                errs.append(.invalid(path.child("template", "metadata", "labels"), .json(.object(.init(uniqueKeysWithValues:
                    labels.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))), "`selector` does not match template `labels`"))
            }
        } catch {
            errs.append(.invalid(path.child("selector"), .encoded(selector), error.message))
        }
        return errs
    }
}

extension FieldPath {
    func child(_ names: String...) -> FieldPath {
        names.reduce(self) { $0.child($1) }
    }
}
