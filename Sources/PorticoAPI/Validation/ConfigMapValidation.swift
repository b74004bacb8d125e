import Foundation

/// Upstream's ValidateConfigMap: keys as `IsConfigMapKey` wants them, no key in both `data`
/// and `binaryData`, and at most 1 MiB of values in all (the limit a Secret has too; the
/// store and every watcher hold each ConfigMap whole).
public enum ConfigMapValidation {
    public static let maxSize = 1024 * 1024

    public static func validate(_ configMap: ConfigMap) -> [FieldError] {
        var errors: [FieldError] = []
        var total = 0
        for key in configMap.data.keys.sorted() {
            errors += self.keyErrors(key, FieldPath("data").key(key))
            if configMap.binaryData[key] != nil {
                errors.append(.invalid(FieldPath("data").key(key), .string(key), "duplicate of key present in binaryData"))
            }
            total += configMap.data[key]!.utf8.count
        }
        for key in configMap.binaryData.keys.sorted() {
            errors += self.keyErrors(key, FieldPath("binaryData").key(key))
            let text = configMap.binaryData[key]!
            total += Data(base64Encoded: text).map(\.count) ?? text.utf8.count * 3 / 4
        }
        if total > self.maxSize { errors.append(.tooLong("[]", self.maxSize)) }
        return errors
    }

    /// `IsConfigMapKey`: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`, not starting with `..`.
    static func keyErrors(_ key: String, _ path: FieldPath) -> [FieldError] {
        var messages: [String] = []
        if key.utf8.count > NameRules.dns1123SubdomainMaxLength { messages.append(NameRules.maxLenError(NameRules.dns1123SubdomainMaxLength)) }
        let allowed = !key.isEmpty && key.utf8.allSatisfy { NameRules.isAlnum($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
        if !allowed {
            messages.append(NameRules.regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                                 "[-._a-zA-Z0-9]+", ["key.name", "KEY_NAME", "key-name"]))
        }
        if key == "." { messages.append("must not be '.'") } else if key == ".." { messages.append("must not be '..'") } else if key.hasPrefix("..") {
            messages.append("must not start with '..'")
        }
        return messages.map { FieldError.invalid(path, .string(key), $0) }
    }
}
