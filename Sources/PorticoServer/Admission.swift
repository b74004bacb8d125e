import PorticoAPI
import PorticoStore

extension TypedResource {
    /// Admission before a write is stored: `NodeRestriction` for node identities (others
    /// pass). A refusal is upstream's `<resource> "<name>" is forbidden: <why>`.
    func admit(_ user: UserInfo, _ operation: NodeRestriction.Operation, subresource: String, new: Object?, old: Object?) async throws {
        guard let node = NodeAuthorizer.nodeName(of: user) else { return }
        let store = self.store
        let restriction = NodeRestriction(node: node) { namespace, name in
            try await store.get(ObjectKey(resource: "pods", namespace: namespace, name: name))?.object["spec"]?["nodeName"]?.stringValue
        }
        let message = try await restriction.check(group: self.info.group, resource: self.info.resource, subresource: subresource, operation,
                                                  new: try new.map(self.present), old: try old.map(self.present))
        guard let message else { return }
        let name = (new ?? old)?.metadata.name ?? ""
        let qualified = self.info.group.isEmpty ? self.info.resource : "\(self.info.resource).\(self.info.group)"
        throw APIError(Status(message: "\(qualified) \(GoQuote.quote(name)) is forbidden: \(message)", reason: .forbidden,
                              details: StatusDetails(name: name, group: self.info.group, kind: self.info.resource), code: 403))
    }
}
