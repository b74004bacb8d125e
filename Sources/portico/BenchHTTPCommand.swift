import ArgumentParser
import Foundation

/// `portico bench-http`: sequential HTTP GETs, each on a new TCP connection, timed from
/// connect to the end of the answer; prints percentiles as JSON. The data-plane benchmark
/// runs it inside a pod's network namespace. Plain sockets, so little but the network is timed.
struct BenchHTTP: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-http", shouldDisplay: false)

    @Option var url: String
    @Option var requests: Int = 1000

    func run() throws {
        guard let parsed = URL(string: self.url), let host = parsed.host else { throw ValidationError("--url \(self.url) is not a URL") }
        let port = UInt16(parsed.port ?? 80)
        let path = parsed.path.isEmpty ? "/" : parsed.path
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw ValidationError("\(host) is not an IPv4 address") }
        // `Connection: close` as well: HTTP/1.0 implies it, but Hummingbird keeps such a
        // connection open unless told (`portico bench http` shows it).
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        var samples: [Double] = []
        var failures = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<self.requests {
            let start = DispatchTime.now().uptimeNanoseconds
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var ok = connected == 0 && write(fd, request, request.count) == request.count
            var received = 0
            while ok {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 { ok = false }
                if n <= 0 { break }
                received += n
            }
            close(fd)
            if ok && received > 0 {
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
            } else {
                failures += 1
            }
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples.isEmpty ? 0 : samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
        print(String(format: "{\"requests\": %d, \"failures\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f}",
                     self.requests, failures, percentile(0.5), percentile(0.99), mean))
    }
}
