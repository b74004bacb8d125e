import ArgumentParser
import PorticoServer
import PorticoAPI
import PorticoRegistry

#if canImport(Glibc)
import Glibc
#endif

/// `portico check -f svc.yaml`: what the API server would store for these Services, or the
/// exact error it would answer, without a server: defaulting, validation and allocation run
/// in this process against an empty cluster (plus the documents before).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Default, validate and allocate Services as the API server would, and print the result.",
        discussion: """
            No server runs: the cluster starts empty and each document's allocations stay taken \
            for the documents after it. Use '-' to read standard input.
            """
    )

    @Option(name: [.short, .customLong("filename")], help: "A YAML or JSON file of one or more Services ('-' for stdin).")
    var file: String

    @Option(name: .shortAndLong, help: "Output: yaml, json, wide or table.")
    var output: String = "yaml"

    @Option(help: "Service CIDRs, one or two (one per IP family), comma-separated.")
    var serviceCIDR: String = "10.96.0.0/12"

    @Option(help: "Node port range.")
    var nodePortRange: String = "30000-32767"

    @Option(name: .shortAndLong, help: "Namespace for documents that name none.")
    var namespace: String = "default"

    func validate() throws {
        guard ["yaml", "json", "wide", "table"].contains(self.output) else {
            throw ValidationError("--output must be one of yaml, json, wide, table (got \(GoQuote.quote(self.output)))")
        }
    }

    func run() throws {
        let text = try readInput(self.file)
        let config: ServiceNetworkConfig
        do {
            config = try ServiceNetworkConfig(serviceCIDRs: self.serviceCIDR, nodePortRange: self.nodePortRange)
        } catch {
            throw ValidationError("\(error)")
        }
        let registry = ServiceRegistry(allocators: try ServiceAllocators(config))
        var stored: [Service] = []
        var failed = false
        for document in try YAMLDocuments.parse(text) {
            let kind = document["kind"]?.stringValue ?? ""
            guard kind == "Service" else {
                printError("error: portico check handles Services only; skipped a document of kind \(GoQuote.quote(kind))")
                failed = true
                continue
            }
            do {
                stored.append(try self.create(document, registry: registry))
            } catch let error as APIError {
                printError(kubectlText(error, verb: "creating", file: self.file))
                failed = true
            }
        }
        if !stored.isEmpty {
            switch self.output {
            case "json":
                let json: JSON = stored.count == 1 ? try stored[0].toJSON() : try KubeList(items: stored).toJSON()
                print(json.sortedKeys.serialized(JSONWriteOptions(indent: "    ", escapeHTML: false)))
            case "yaml":
                let json: JSON = stored.count == 1 ? try stored[0].toJSON() : try KubeList(items: stored).toJSON()
                print(try YAMLDocuments.yaml(json), terminator: "")
            default:
                print(TableText.render(try TablePrinter.table(stored), wide: self.output == "wide"), terminator: "")
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// The server's create path: strict decoding, static defaults, registry (allocation, validation).
    func create(_ document: JSON, registry: ServiceRegistry) throws -> Service {
        let decoded: DecodedDocument<Service>
        do {
            decoded = try KubeJSONDecoder().decode(Service.self, from: document)
        } catch {
            throw APIError.badRequest("Service in version \"v1\" cannot be handled as a Service: \(error)")
        }
        if !decoded.strictErrors.isEmpty {
            throw APIError.badRequest("Service in version \"v1\" cannot be handled as a Service: strict decoding error: "
                + decoded.strictErrors.joined(separator: ", "))
        }
        var service = decoded.value
        if service.metadata.namespace.isEmpty { service.metadata.namespace = self.namespace }
        if service.metadata.name.isEmpty, !service.metadata.generateName.isEmpty {
            service.metadata.name = NameRules.generateName(service.metadata.generateName)
        }
        ServiceDefaults.apply(&service)
        let write = try registry.create(service)
        write.transaction.commit()
        var result = write.service
        result.setTypeMeta()
        result.metadata.uid = randomUID()
        result.metadata.resourceVersion = "1"
        result.metadata.creationTimestamp = .now()
        return result
    }
}

/// kubectl's wording of a failed request (cmd/util/helpers.go checkErr).
func kubectlText(_ error: APIError, verb: String, file: String) -> String {
    if error.reason == .invalid, let details = error.status.details, !details.causes.isEmpty {
        var seen = Set<String>()
        let causes = details.causes.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.filter { seen.insert($0).inserted }
        if causes.count == 1 {
            return "The \(details.kind) \(GoQuote.quote(details.name)) is invalid: \(causes[0])"
        }
        return "The \(details.kind) \(GoQuote.quote(details.name)) is invalid: \n" + causes.map { "* \($0)" }.joined(separator: "\n")
    }
    let reason = error.reason.isZeroValue ? "" : " (\(error.reason.rawValue))"
    return "Error from server\(reason): error when \(verb) \(GoQuote.quote(file)): \(error.message)"
}

func readInput(_ path: String) throws -> String {
    if path == "-" {
        var lines: [String] = []
        while let line = readLine(strippingNewline: false) { lines.append(line) }
        return lines.joined()
    }
    guard let handle = fopen(path, "r") else {
        throw ValidationError("the path \(GoQuote.quote(path)) does not exist")
    }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, handle)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func printError(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

/// A random version-4 UUID, as the API server gives every object.
func randomUID() -> String {
    var g = SystemRandomNumberGenerator()
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    let h = Array(hex)
    return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
}
