import PorticoAPI

/// `labelSelector` and `fieldSelector`, read from a request and matched against objects, as
/// list, watch and deletecollection use them.
extension TypedResource {
    struct Selectors {
        var labels: Labels.Selector
        var fields: Fields.Selector

        var isEverything: Bool { self.labels.isEverything && self.fields.isEverything }
    }

    /// The request's selectors; the fields checked against what this kind allows, under their
    /// current names (the strategy's field label conversion), and a name in the URL added as
    /// a `metadata.name` term, which a selector may repeat but not contradict.
    func selectors(_ request: APIRequest, _ requestInfo: RequestInfo) throws(APIError) -> Selectors {
        let labels: Labels.Selector
        do {
            labels = try Labels.parse(request.query["labelSelector"] ?? "")
        } catch {
            throw APIError.badRequest(error.message)
        }
        var fields: Fields.Selector
        do {
            fields = try Fields.parse(request.query["fieldSelector"] ?? "")
            try Fields.validate(fields, kind: self.info.kind)
        } catch {
            throw APIError.badRequest(error.message)
        }
        for i in fields.terms.indices { fields.terms[i].field = self.strategy.convertFieldLabel(fields.terms[i].field) }
        if !requestInfo.name.isEmpty {
            if let wanted = fields.requiredValue("metadata.name"), wanted != requestInfo.name {
                throw APIError.badRequest("fieldSelector metadata.name doesn't match requested name")
            }
            fields.terms.append(Fields.Term(field: "metadata.name", value: requestInfo.name, negated: false))
        }
        return Selectors(labels: labels, fields: fields)
    }

    func fieldValues(_ object: Object) -> [String: String] {
        var values = self.strategy.selectableFields(object)
        values["metadata.name"] = object.metadata.name
        if self.info.namespaced { values["metadata.namespace"] = object.metadata.namespace }
        return values
    }

    func matches(_ object: Object, _ selectors: Selectors) -> Bool {
        selectors.labels.matches(object.metadata.labels) && selectors.fields.matches(self.fieldValues(object))
    }
}
