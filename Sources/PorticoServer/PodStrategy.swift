import PorticoAPI

/// The pod's strategy: everything the generic flow does differently for pods, as upstream
/// keeps it in the pod registry (pkg/registry/core/pod) rather than in the generic store.
/// Here so that `TypedResource` has no branch that asks whether it serves pods.
enum PodStrategy {
    static func make(info: ResourceInfo) -> ResourceStrategy<Pod> {
        var pod = ResourceStrategy<Pod>(
            info: info,
            validateCreate: { Catalog.metaCreate($0.metadata, namespaced: true) + WorkloadValidation.podSpec($0.spec, path: "spec") },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata)
                + WorkloadValidation.podSpec(new.spec, path: "spec") + WorkloadValidation.podSpecUpdate(new.spec, old.spec) })
        pod.defaults = { WorkloadDefaults.pod(&$0) }
        pod.prepareForCreate = { pod in
            pod.status = PodStatus(phase: .pending)
            pod.status.qosClass = "BestEffort"
        }
        pod.prepareForUpdate = { new, old in new.status = old.status }
        pod.prepareForStatusUpdate = { new, old in new.spec = old.spec }
        pod.selectableFields = { pod in
            ["spec.nodeName": pod.spec.nodeName, "spec.restartPolicy": pod.spec.restartPolicy.rawValue,
             "spec.schedulerName": pod.spec.schedulerName, "spec.serviceAccountName": pod.spec.serviceAccountName,
             "spec.hostNetwork": pod.spec.hostNetwork ? "true" : "false", "status.phase": pod.status.phase.rawValue,
             "status.podIP": pod.status.podIP, "status.podIPs": pod.status.podIPs.map(\.ip).joined(separator: ","),
             "status.nominatedNodeName": pod.status.nominatedNodeName]
        }
        pod.returnsDeletedObject = true
        pod.gracePeriod = { Self.gracePeriod($0, $1) }
        pod.convertFieldLabel = { Self.convertFieldLabel($0) }
        pod.subresourceHandler = { subresource, verb in Self.route(subresource, verb).map { Self.handler($0) } }
        return pod
    }

    /// Pods on a node end gracefully: the node agent stops their containers and then deletes
    /// the object, so a delete only marks it. A pod no node runs, or one that has finished,
    /// has nothing to stop and goes at once (nil); so does a delete that asks for 0 seconds.
    /// A pod already marked keeps the period it was given (a second delete does not shorten it).
    static func gracePeriod(_ pod: Pod, _ options: DeleteOptions) -> Int64? {
        if options.gracePeriodSeconds == 0 || pod.spec.nodeName.isEmpty { return nil }
        if pod.status.phase == .succeeded || pod.status.phase == .failed { return nil }
        if pod.metadata.deletionTimestamp != nil { return pod.metadata.deletionGracePeriodSeconds }
        let grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30
        return grace > 0 ? grace : nil
    }

    /// `spec.host`, the field's name before v1, still selects by `spec.nodeName` (upstream
    /// keeps the old label for clients that send it).
    static func convertFieldLabel(_ field: String) -> String {
        field == "spec.host" ? "spec.nodeName" : field
    }

    /// The subresources the pod answers itself.
    enum Subresource: Equatable {
        /// exec, attach, portforward asked without a WebSocket upgrade that passed its checks
        /// (one that did is relayed by `PodStreams` and never gets here); any verb.
        case stream
        /// POST binding: the scheduler assigns the pod to a node.
        case binding
        /// GET log: proxied to the node agent.
        case log
    }

    /// Which of its own subresources a request names; nil leaves it to the generic handlers,
    /// which answer 405 for a verb the subresource does not take (a GET of binding).
    static func route(_ subresource: String, _ verb: RequestInfo.Verb?) -> Subresource? {
        switch (subresource, verb) {
        case ("exec", _), ("attach", _), ("portforward", _): return .stream
        case ("binding", .create): return .binding
        case ("log", .get): return .log
        default: return nil
        }
    }

    static func handler(_ subresource: Subresource) -> SubresourceHandler<Pod> {
        switch subresource {
        case .stream:
            return { pods, request, requestInfo in
                try await pods.context.podStreamWithoutUpgrade(requestInfo.subresource, namespace: requestInfo.namespace, name: requestInfo.name,
                                                               query: request.query.mapValues { [$0] },
                                                               upgrade: request.header("upgrade") ?? request.header("x-portico-upgrade"))
            }
        case .binding:
            return { pods, request, requestInfo in try await pods.bind(request, requestInfo) }
        case .log:
            return { pods, request, requestInfo in
                try await pods.context.podLogs(namespace: requestInfo.namespace, name: requestInfo.name, query: request.query)
            }
        }
    }
}
