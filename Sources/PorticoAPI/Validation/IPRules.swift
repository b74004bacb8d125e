/// IP and CIDR checks for Service fields. Kubernetes 1.34 validates these fields with its
/// "legacy" (sloppy) parsers, and on update accepts a bad value already stored.
public enum IPRules {
    public static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    public static let invalidCIDRMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

    public static func validateIP(_ value: String, path: FieldPath, validOld: [String] = []) -> [FieldError] {
        if validOld.contains(value) { return [] }
        return IPAddress(value) == nil ? [.invalid(path, .string(value), invalidIPMessage)] : []
    }

    public static func validateCIDR(_ value: String, path: FieldPath, validOld: [String] = []) -> [FieldError] {
        if validOld.contains(value) { return [] }
        return IPNetwork(value) == nil ? [.invalid(path, .string(value), invalidCIDRMessage)] : []
    }

    /// An address that may receive traffic for an endpoint or an external IP (upstream ValidateEndpointIP).
    public static func validateEndpointIP(_ value: String, path: FieldPath) -> [FieldError] {
        guard let ip = IPAddress(value) else { return [.invalid(path, .string(value), "must be a valid IP address")] }
        var errs: [FieldError] = []
        if ip.isUnspecified { errs.append(.invalid(path, .string(value), "may not be unspecified (\(value))")) }
        if ip.isLoopback {
            errs.append(.invalid(path, .string(value), "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
        }
        if ip.isLinkLocalUnicast {
            errs.append(.invalid(path, .string(value), "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
        }
        if ip.isLinkLocalMulticast {
            errs.append(.invalid(path, .string(value), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
        }
        return errs
    }
}
