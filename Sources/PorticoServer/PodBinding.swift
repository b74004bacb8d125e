import PorticoAPI
import PorticoStore

/// `POST pods/<name>/binding`: the scheduler's way of assigning a pod to a node (upstream's
/// BindingREST). Sets spec.nodeName, which no update may change, and PodScheduled=True.
extension TypedResource where Object == Pod {
    func bind(_ request: APIRequest, _ requestInfo: RequestInfo) async throws -> APIResponse {
        guard let body = try? JSON.parse(bytes: request.body), body["kind"]?.stringValue == "Binding" else {
            throw APIError.badRequest("not a Binding object: \(String(decoding: request.body.prefix(200), as: UTF8.self))")
        }
        let name = body["metadata"]?["name"]?.stringValue ?? ""
        if name != requestInfo.name {
            throw APIError.badRequest("name in URL does not match name in Binding object")
        }
        let kind = body["target"]?["kind"]?.stringValue ?? ""
        let node = body["target"]?["name"]?.stringValue ?? ""
        var errors: [FieldError] = []
        if !kind.isEmpty, kind != "Node" { errors.append(.notSupported("target.kind", .string(kind), ["Node", "<empty>"])) }
        if node.isEmpty { errors.append(.required("target.name")) }
        if !errors.isEmpty { throw APIError.invalid(kind: "Binding", group: "", name: name, errors: errors) }
        let wantUID = body["metadata"]?["uid"]?.stringValue ?? ""
        let wantRV = body["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let annotations = body["metadata"]?["annotations"]?.objectValue ?? [:]

        let key = self.key(namespace: requestInfo.namespace, name: name)
        guard let current = try await self.store.get(key) else {
            throw APIError.notFound(resource: "pods", name: name)
        }
        var pod = try self.decodeStored(current.object)
        let conflict = { (message: String) in
            APIError.conflict(resource: "pods/binding", name: name, message: message)
        }
        if !wantUID.isEmpty, wantUID != pod.metadata.uid {
            throw conflict("Precondition failed: UID in precondition: \(wantUID), UID in object meta: \(pod.metadata.uid)")
        }
        if !wantRV.isEmpty, wantRV != String(current.resourceVersion) {
            throw conflict("the object has been modified; please apply your changes to the latest version and try again")
        }
        if pod.metadata.deletionTimestamp != nil { throw conflict("pod \(name) is being deleted, cannot be assigned to a host") }
        if !pod.spec.nodeName.isEmpty { throw conflict("pod \(name) is already assigned to node \(GoQuote.quote(pod.spec.nodeName))") }
        if !pod.spec.schedulingGates.isEmpty { throw conflict("pod \(name) has non-empty .spec.schedulingGates") }
        pod.spec.nodeName = node
        for (k, v) in annotations { if let s = v.stringValue { pod.metadata.annotations[k] = s } }
        let scheduled = PodCondition(type: PodConditionType.podScheduled, status: "True", lastTransitionTime: .now())
        if let i = pod.status.conditions.firstIndex(where: { $0.type == PodConditionType.podScheduled }) {
            if pod.status.conditions[i].status != "True" { pod.status.conditions[i] = scheduled }
        } else {
            pod.status.conditions.append(scheduled)
        }
        pod.setTypeMeta()
        let json = try pod.toJSON()
        let expected = current.resourceVersion
        do {
            _ = try await self.store.update(key, expectedResourceVersion: expected, json)
        } catch StoreError.conflict {
            throw conflict("the object has been modified; please apply your changes to the latest version and try again")
        }
        return .json(201, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
    }
}
