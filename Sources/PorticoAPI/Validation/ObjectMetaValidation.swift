/// Upstream's ObjectMeta rules (apimachinery api/validation/objectmeta.go, plus core's finalizer
/// check), in the same order and words.
public enum ObjectMetaValidation {
    public typealias NameRule = @Sendable (_ name: String, _ prefix: Bool) -> [String]

    /// DNS-1123 subdomain, the rule for most kinds.
    public static let subdomainName: NameRule = { name, prefix in NameRules.isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name) }
    /// DNS-1123 label: namespaces, nodes' leases...
    public static let labelName: NameRule = { name, prefix in NameRules.isDNS1123Label(prefix ? maskTrailingDash(name) : name) }
    /// DNS-1035 label: Services.
    public static let dns1035Name: NameRule = { name, prefix in NameRules.isDNS1035Label(prefix ? maskTrailingDash(name) : name) }

    /// generateName may end in "-"; upstream replaces the last two characters with "a" before
    /// checking (its own off-by-one, kept so the same prefixes pass).
    static func maskTrailingDash(_ name: String) -> String {
        guard name.utf8.count > 1, name.hasSuffix("-") else { return name }
        return String(name.dropLast(2)) + "a"
    }

    public static let totalAnnotationSizeLimit = 256 * 1024
    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    public static func validate(_ meta: ObjectMeta, namespaced: Bool, name nameRule: NameRule,
                                path: FieldPath = "metadata") -> [FieldError] {
        var errs: [FieldError] = []
        if !meta.generateName.isEmpty {
            for message in nameRule(meta.generateName, true) {
                errs.append(.invalid(path.child("generateName"), .string(meta.generateName), message))
            }
        }
        if meta.name.isEmpty {
            errs.append(.required(path.child("name"), "name or generateName is required"))
        } else {
            for message in nameRule(meta.name, false) {
                errs.append(.invalid(path.child("name"), .string(meta.name), message))
            }
        }
        if namespaced {
            if meta.namespace.isEmpty {
                errs.append(.required(path.child("namespace")))
            } else {
                for message in NameRules.isDNS1123Label(meta.namespace) {
                    errs.append(.invalid(path.child("namespace"), .string(meta.namespace), message))
                }
            }
        } else if !meta.namespace.isEmpty {
            errs.append(.forbidden(path.child("namespace"), "not allowed on this type"))
        }
        if meta.generation < 0 {
            errs.append(.invalid(path.child("generation"), .int(meta.generation), "must be greater than or equal to 0"))
        }
        errs += self.validateLabels(meta.labels, path: path.child("labels"))
        errs += self.validateAnnotations(meta.annotations, path: path.child("annotations"))
        errs += self.validateOwnerReferences(meta.ownerReferences, path: path.child("ownerReferences"))
        errs += self.validateFinalizers(meta.finalizers, path: path.child("finalizers"))
        errs += self.validateManagedFields(meta.managedFields, path: path.child("managedFields"))
        return errs
    }

    public static func validateUpdate(_ new: ObjectMeta, _ old: ObjectMeta, path: FieldPath = "metadata") -> [FieldError] {
        var errs: [FieldError] = []
        if old.deletionTimestamp != nil {
            let added = Set(new.finalizers).subtracting(old.finalizers).sorted()
            if !added.isEmpty {
                let list = "[]string{" + added.map(GoQuote.quote).joined(separator: ", ") + "}"
                errs.append(.forbidden(path.child("finalizers"),
                                       "no new finalizers can be added if the object is being deleted, found new finalizers \(list)"))
            }
        }
        if new.resourceVersion.isEmpty {
            errs.append(.invalid(path.child("resourceVersion"), .string(""), "must be specified for an update"))
        }
        if new.generation < old.generation {
            errs.append(.invalid(path.child("generation"), .int(new.generation), "must not be decremented"))
        }
        let immutable = "field is immutable"
        if new.name != old.name { errs.append(.invalid(path.child("name"), .string(new.name), immutable)) }
        if new.namespace != old.namespace {
            errs.append(.invalid(path.child("namespace"), .string(new.namespace), immutable))
        }
        if new.uid != old.uid { errs.append(.invalid(path.child("uid"), .string(new.uid), immutable)) }
        if new.creationTimestamp != old.creationTimestamp {
            errs.append(.invalid(path.child("creationTimestamp"), timeValue(new.creationTimestamp), immutable))
        }
        if new.deletionTimestamp != old.deletionTimestamp {
            errs.append(.invalid(path.child("deletionTimestamp"), timeValue(new.deletionTimestamp), immutable))
        }
        if new.deletionGracePeriodSeconds != old.deletionGracePeriodSeconds {
            errs.append(.invalid(path.child("deletionGracePeriodSeconds"),
                                 new.deletionGracePeriodSeconds.map { .int($0) } ?? .null, immutable))
        }
        errs += self.validateLabels(new.labels, path: path.child("labels"))
        errs += self.validateAnnotations(new.annotations, path: path.child("annotations"))
        errs += self.validateOwnerReferences(new.ownerReferences, path: path.child("ownerReferences"))
        errs += self.validateManagedFields(new.managedFields, path: path.child("managedFields"))
        errs += self.validateFinalizerNames(new.finalizers, path: path.child("finalizers"))
        return errs
    }

    static func timeValue(_ t: Time?) -> FieldValue {
        t.map { .json(.string($0.rfc3339)) } ?? .null
    }

    /// Keys and values of a label map; errors sit at the map's path, not keyed (as upstream).
    public static func validateLabels(_ labels: [String: String], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for key in labels.keys.sorted() {
            for message in NameRules.isQualifiedName(key) { errs.append(.invalid(path, .string(key), message)) }
            let value = labels[key]!
            for message in NameRules.isValidLabelValue(value) { errs.append(.invalid(path, .string(value), message)) }
        }
        return errs
    }

    public static func validateAnnotations(_ annotations: [String: String], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var total = 0
        for key in annotations.keys.sorted() {
            for message in NameRules.isQualifiedName(key.lowercased()) { errs.append(.invalid(path, .string(key), message)) }
            total += key.utf8.count + annotations[key]!.utf8.count
        }
        if total > totalAnnotationSizeLimit {
            errs.append(.tooLong(path, totalAnnotationSizeLimit))
        }
        return errs
    }

    public static func validateOwnerReferences(_ refs: [OwnerReference], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var firstController: String? = nil
        for ref in refs {
            let parts = ref.apiVersion.split(separator: "/", omittingEmptySubsequences: false)
            let version = parts.count == 1 ? String(parts[0]) : (parts.count == 2 ? String(parts[1]) : "")
            let group = parts.count == 2 ? String(parts[0]) : ""
            if version.isEmpty {
                errs.append(.invalid(path.child("apiVersion"), .string(ref.apiVersion), "version must not be empty"))
            }
            if ref.kind.isEmpty { errs.append(.invalid(path.child("kind"), .string(ref.kind), "kind must not be empty")) }
            if ref.name.isEmpty { errs.append(.invalid(path.child("name"), .string(ref.name), "name must not be empty")) }
            if ref.uid.isEmpty { errs.append(.invalid(path.child("uid"), .string(ref.uid), "uid must not be empty")) }
            if group.isEmpty, version == "v1", ref.kind == "Event" {
                errs.append(.invalid(path, .encoded(ref), "/v1, Kind=Event is disallowed from being an owner"))
            }
            if ref.controller == true {
                let this = ref.kind + "/" + ref.name
                if let firstController {
                    errs.append(.invalid(path, .encoded(refs),
                                         "Only one reference can have Controller set to true. Found \"true\" in references for \(firstController) and \(this)"))
                } else {
                    firstController = this
                }
            }
        }
        return errs
    }

    public static func validateFinalizers(_ finalizers: [String], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for name in finalizers {
            for message in NameRules.isQualifiedName(name) { errs.append(.invalid(path, .string(name), message)) }
        }
        if finalizers.contains("orphan"), finalizers.contains("foregroundDeletion") {
            errs.append(.invalid(path, .strings(finalizers), "finalizer orphan and foregroundDeletion cannot be both set"))
        }
        errs += self.validateFinalizerNames(finalizers, path: path)
        return errs
    }

    /// Core types' rule: a finalizer is a standard name or carries a domain (`example.com/x`).
    public static func validateFinalizerNames(_ finalizers: [String], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, name) in finalizers.enumerated() where !name.contains("/") && !standardFinalizers.contains(name) {
            errs.append(.invalid(path.index(i), .string(name), "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errs
    }

    public static func validateManagedFields(_ fields: [ManagedFieldsEntry], path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, entry) in fields.enumerated() {
            let p = path.index(i)
            if entry.operation != "Apply" && entry.operation != "Update" {
                errs.append(.invalid(p.child("operation"), .named(entry.operation), "must be `Apply` or `Update`"))
            }
            if !entry.fieldsType.isEmpty && entry.fieldsType != "FieldsV1" {
                errs.append(.invalid(p.child("fieldsType"), .string(entry.fieldsType), "must be `FieldsV1`"))
            }
            if entry.manager.utf8.count > 128 { errs.append(.tooLong(p.child("manager"), 128)) }
            if entry.subresource.utf8.count > 256 { errs.append(.tooLong(p.child("subresource"), 256)) }
        }
        return errs
    }
}
