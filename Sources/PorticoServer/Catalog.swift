import PorticoAPI
import PorticoRegistry

/// Every resource Portico serves, with its discovery entry and its strategy.
enum Catalog {
    static func status(_ kind: String) -> [String: ResourceInfo.SubresourceInfo] {
        ["status": .init(kind: kind, verbs: ["get", "patch", "update"])]
    }

    static let namespaces = ResourceInfo(group: "", version: "v1", resource: "namespaces", singular: "namespace", kind: "Namespace",
                                         namespaced: false, shortNames: ["ns"], categories: [], subresources: status("Namespace"))
    static let services = ResourceInfo(group: "", version: "v1", resource: "services", singular: "service", kind: "Service",
                                       namespaced: true, shortNames: ["svc"], categories: ["all"], subresources: status("Service"))
    static let endpoints = ResourceInfo(group: "", version: "v1", resource: "endpoints", singular: "endpoints", kind: "Endpoints",
                                        namespaced: true, shortNames: ["ep"], categories: [], subresources: [:])
    static let pods = ResourceInfo(group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod", namespaced: true,
                                   shortNames: ["po"], categories: ["all"],
                                   subresources: status("Pod").merging(["log": .init(kind: "Pod", verbs: ["get"]),
                                                                        "binding": .init(kind: "Binding", verbs: ["create"])]) { a, _ in a })
    static let nodes = ResourceInfo(group: "", version: "v1", resource: "nodes", singular: "node", kind: "Node", namespaced: false,
                                    shortNames: ["no"], categories: [], subresources: status("Node"))
    static let events = ResourceInfo(group: "", version: "v1", resource: "events", singular: "event", kind: "Event", namespaced: true,
                                     shortNames: ["ev"], categories: [], subresources: [:])
    static let configMaps = ResourceInfo(group: "", version: "v1", resource: "configmaps", singular: "configmap", kind: "ConfigMap",
                                         namespaced: true, shortNames: ["cm"], categories: [], subresources: [:])
    static let leases = ResourceInfo(group: "coordination.k8s.io", version: "v1", resource: "leases", singular: "lease", kind: "Lease",
                                     namespaced: true, shortNames: [], categories: [], subresources: [:])
    static let endpointSlices = ResourceInfo(group: "discovery.k8s.io", version: "v1", resource: "endpointslices",
                                             singular: "endpointslice", kind: "EndpointSlice", namespaced: true, shortNames: [],
                                             categories: [], subresources: [:])
    static let scale = ResourceInfo.SubresourceInfo(kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"])
    static let deployments = ResourceInfo(group: "apps", version: "v1", resource: "deployments", singular: "deployment", kind: "Deployment",
                                          namespaced: true, shortNames: ["deploy"], categories: ["all"],
                                          subresources: status("Deployment").merging(["scale": scale]) { a, _ in a })
    static let replicaSets = ResourceInfo(group: "apps", version: "v1", resource: "replicasets", singular: "replicaset", kind: "ReplicaSet",
                                          namespaced: true, shortNames: ["rs"], categories: ["all"],
                                          subresources: status("ReplicaSet").merging(["scale": scale]) { a, _ in a })

    static let all = [namespaces, services, endpoints, pods, nodes, events, configMaps, leases, endpointSlices, deployments, replicaSets]

    static func metaCreate(_ meta: ObjectMeta, namespaced: Bool, _ rule: @escaping ObjectMetaValidation.NameRule = ObjectMetaValidation.subdomainName)
        -> [FieldError]
    {
        ObjectMetaValidation.validate(meta, namespaced: namespaced, name: rule)
    }

    /// Commit and revert of a Service write's allocations; a failure to give values back
    /// leaves them taken (never handed out twice), and says so.
    static func handle(_ txn: AllocationTransaction, _ context: ServerContext) -> AllocationHandle {
        let finish: @Sendable (Bool) async -> Void = { stored in
            do {
                try await txn.finish(stored: stored)
            } catch {
                context.logger.error("allocations not given back (they stay taken)", metadata: ["error": "\(error)"])
            }
        }
        return AllocationHandle(commit: { await finish(true) }, revert: { await finish(false) })
    }

    /// The served resources, wired to the store and (for Services) the registry.
    static func resources(context: ServerContext, registry: ServiceRegistry) -> [any ServedResource] {
        var namespace = ResourceStrategy<Namespace>(
            info: namespaces,
            validateCreate: { metaCreate($0.metadata, namespaced: false, ObjectMetaValidation.labelName) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        namespace.defaults = { ns in
            if ns.spec.finalizers.isEmpty { ns.spec.finalizers = ["kubernetes"] }
            ns.metadata.labels["kubernetes.io/metadata.name"] = ns.metadata.name
        }
        namespace.prepareForCreate = { ns in ns.status = NamespaceStatus(phase: "Active") }
        namespace.prepareForUpdate = { new, old in
            new.spec = old.spec
            new.status = old.status
        }
        namespace.prepareForStatusUpdate = { new, old in new.spec = old.spec }
        namespace.selectableFields = { ["status.phase": $0.status.phase] }
        namespace.extraFinalizers = { $0.spec.finalizers }
        namespace.markForDeletion = { ns in ns.status.phase = "Terminating" }
        namespace.allowUnconditionalUpdate = true

        var service = ResourceStrategy<Service>(
            info: services, validateCreate: ServiceValidation.validateCreate, validateUpdate: ServiceValidation.validateUpdate)
        service.defaults = { ServiceDefaults.apply(&$0) }
        service.selectableFields = { ["spec.clusterIP": $0.spec.clusterIP, "spec.type": $0.spec.type.rawValue] }
        service.returnsDeletedObject = true
        service.decorate = { registry.defaultOnRead($0) }
        service.registry = RegistryHooks(
            create: { service in
                let write = try await registry.allocators.allocating { () throws(APIError) in try registry.create(service) }
                return (write.service, Self.handle(write.transaction, context))
            },
            update: { new, old in
                let write = try await registry.allocators.allocating { () throws(APIError) in try registry.update(new, old: old) }
                return (write.service, Self.handle(write.transaction, context))
            },
            updateStatus: { new, old throws(APIError) in try registry.updateStatus(new, old: old) },
            release: { service in
                do {
                    try await registry.allocators.allocating { () throws(APIError) in registry.release(service) }
                } catch {
                    context.logger.error("allocations of a deleted Service not given back (they stay taken)",
                                         metadata: ["service": "\(service.metadata.namespace)/\(service.metadata.name)", "error": "\(error)"])
                }
            })

        var endpoint = ResourceStrategy<Endpoints>(
            info: endpoints, validateCreate: { metaCreate($0.metadata, namespaced: true) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        endpoint.allowCreateOnUpdate = true

        let pod = PodStrategy.make(info: pods)

        var node = ResourceStrategy<Node>(
            info: nodes, validateCreate: { metaCreate($0.metadata, namespaced: false) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        node.prepareForUpdate = { new, old in new.status = old.status }
        node.prepareForStatusUpdate = { new, old in new.spec = old.spec }
        node.selectableFields = { ["spec.unschedulable": $0.spec.unschedulable ? "true" : "false"] }

        var event = ResourceStrategy<Event>(
            info: events, validateCreate: { metaCreate($0.metadata, namespaced: true) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        event.selectableFields = { e in
            ["involvedObject.kind": e.involvedObject.kind, "involvedObject.namespace": e.involvedObject.namespace,
             "involvedObject.name": e.involvedObject.name, "involvedObject.uid": e.involvedObject.uid,
             "involvedObject.apiVersion": e.involvedObject.apiVersion,
             "involvedObject.resourceVersion": e.involvedObject.resourceVersion,
             "involvedObject.fieldPath": e.involvedObject.fieldPath, "reason": e.reason,
             "reportingComponent": e.reportingComponent, "source": e.source.component, "type": e.type]
        }

        let configMap = ResourceStrategy<ConfigMap>(
            info: configMaps, validateCreate: { metaCreate($0.metadata, namespaced: true) + ConfigMapValidation.validate($0) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) + ConfigMapValidation.validate(new) })

        var lease = ResourceStrategy<Lease>(
            info: leases, validateCreate: { metaCreate($0.metadata, namespaced: true) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        lease.allowCreateOnUpdate = true

        var slice = ResourceStrategy<EndpointSlice>(
            info: endpointSlices, validateCreate: { metaCreate($0.metadata, namespaced: true) },
            validateUpdate: { new, old in ObjectMetaValidation.validateUpdate(new.metadata, old.metadata) })
        slice.specChanged = { new, old in new.endpoints != old.endpoints || new.ports != old.ports || new.addressType != old.addressType }

        var deployment = ResourceStrategy<Deployment>(
            info: deployments,
            validateCreate: { d in
                metaCreate(d.metadata, namespaced: true)
                    + WorkloadValidation.selectorMatchesTemplate(d.spec.selector, d.spec.template.metadata.labels, path: "spec")
                    + WorkloadValidation.podSpec(d.spec.template.spec, path: FieldPath("spec").child("template", "spec"))
            },
            validateUpdate: { new, old in
                ObjectMetaValidation.validateUpdate(new.metadata, old.metadata)
                    + WorkloadValidation.selectorMatchesTemplate(new.spec.selector, new.spec.template.metadata.labels, path: "spec")
                    + WorkloadValidation.podSpec(new.spec.template.spec, path: FieldPath("spec").child("template", "spec"))
            })
        deployment.defaults = { WorkloadDefaults.deployment(&$0) }
        deployment.prepareForCreate = { $0.status = DeploymentStatus() }
        deployment.prepareForUpdate = { new, old in new.status = old.status }
        deployment.prepareForStatusUpdate = { new, old in new.spec = old.spec }
        deployment.specChanged = { new, old in new.spec != old.spec }

        var replicaSet = ResourceStrategy<ReplicaSet>(
            info: replicaSets,
            validateCreate: { rs in
                metaCreate(rs.metadata, namespaced: true)
                    + WorkloadValidation.selectorMatchesTemplate(rs.spec.selector, rs.spec.template?.metadata.labels ?? [:], path: "spec")
            },
            validateUpdate: { new, old in
                ObjectMetaValidation.validateUpdate(new.metadata, old.metadata)
                    + WorkloadValidation.selectorMatchesTemplate(new.spec.selector, new.spec.template?.metadata.labels ?? [:], path: "spec")
            })
        replicaSet.defaults = { WorkloadDefaults.replicaSet(&$0) }
        replicaSet.prepareForCreate = { $0.status = ReplicaSetStatus() }
        replicaSet.prepareForUpdate = { new, old in new.status = old.status }
        replicaSet.prepareForStatusUpdate = { new, old in new.spec = old.spec }
        replicaSet.specChanged = { new, old in new.spec != old.spec }

        return [
            TypedResource(namespace, context: context), TypedResource(service, context: context),
            TypedResource(endpoint, context: context), TypedResource(pod, context: context), TypedResource(node, context: context),
            TypedResource(event, context: context), TypedResource(configMap, context: context), TypedResource(lease, context: context),
            TypedResource(slice, context: context), TypedResource(deployment, context: context),
            TypedResource(replicaSet, context: context),
        ]
    }
}
