import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One real request to an address, as a client would make it: a TCP handshake (answered by
/// whoever accepts the connection, the pod behind any DNAT) or a UDP datagram that waits
/// for a reply. All targets are tried at once, each with the same timeout, so a place's row
/// of `portico reach` costs one timeout at most. Runs in whichever network namespace the
/// process is in (`portico probe` is started there).
public enum ConnectProbe {
    public struct Target: Sendable, Hashable, CustomStringConvertible {
        public var proto: String  // "tcp" or "udp"
        public var address: String
        public var port: Int

        public init(proto: String, address: String, port: Int) {
            self.proto = proto.lowercased()
            self.address = address
            self.port = port
        }

        /// `tcp/10.96.0.10:53`
        public var description: String { "\(self.proto)/\(self.address):\(self.port)" }

        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, ["tcp", "udp"].contains(parts[0].lowercased()),
                  let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...]),
                  (1...65535).contains(port) else { return nil }
            self.init(proto: String(parts[0]), address: String(parts[1][..<colon]), port: port)
        }
    }

    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        /// Connected (TCP) or answered (UDP), after this many seconds.
        case answered(Double)
        /// A TCP reset or ICMP port unreachable: something refused it at once.
        case refused
        /// ICMP host/network unreachable, or no route: the address is not reachable from here.
        case unreachable
        /// Nothing came back before the timeout: dropped on the way.
        case noAnswer
        case failed(String)

        public var reached: Bool { if case .answered = self { true } else { false } }

        public var description: String {
            switch self {
            case .answered(let seconds): "ok \(String(format: "%.6f", seconds))"
            case .refused: "refused"
            case .unreachable: "unreachable"
            case .noAnswer: "no-answer"
            case .failed(let why): "failed \(why)"
            }
        }

        public init(_ text: Substring) {
            let words = text.split(separator: " ", maxSplits: 1)
            switch words.first {
            case "ok": self = .answered(Double(words.count > 1 ? words[1] : "") ?? 0)
            case "refused": self = .refused
            case "unreachable": self = .unreachable
            case "no-answer": self = .noAnswer
            default: self = .failed(words.count > 1 ? String(words[1]) : String(text))
            }
        }
    }

    /// Tries every target at once and returns their outcomes in order, each with the local
    /// port the request left from (so `portico trace` can find its connection in conntrack).
    public static func run(_ targets: [Target], timeout: Double) -> [(outcome: Outcome, localPort: Int)] {
        var outcomes = [Outcome?](repeating: nil, count: targets.count)
        var ports = [Int](repeating: 0, count: targets.count)
        var sockets = [Int32](repeating: -1, count: targets.count)
        var started = [Double](repeating: 0, count: targets.count)
        defer { for fd in sockets where fd >= 0 { close(fd) } }

        for (index, target) in targets.enumerated() {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(target.port).bigEndian)
            guard inet_pton(AF_INET, target.address, &address.sin_addr) == 1 else {
                outcomes[index] = .failed("not an IPv4 address: \(target.address)")
                continue
            }
            let udp = target.proto == "udp"
            let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { outcomes[index] = .failed(String(cString: strerror(errno))); continue }
            sockets[index] = fd
            started[index] = Self.now()
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result < 0, errno != EINPROGRESS {
                outcomes[index] = Self.outcome(errno: errno)
                continue
            }
            var local = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            if withUnsafeMutablePointer(to: &local, {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }) == 0 {
                ports[index] = Int(UInt16(bigEndian: local.sin_port))
            }
            if udp {
                // agnhost netexec's UDP server answers "hostname"; any reply at all counts.
                let sent = "hostname".withCString { send(fd, $0, 8, 0) }
                if sent < 0 { outcomes[index] = Self.outcome(errno: errno) }
            }
        }

        let deadline = Self.now() + timeout
        while outcomes.contains(where: { $0 == nil }) {
            let remaining = deadline - Self.now()
            if remaining <= 0 { break }
            let waiting = outcomes.indices.filter { outcomes[$0] == nil }
            var fds = waiting.map { index in
                pollfd(fd: sockets[index], events: Int16(targets[index].proto == "udp" ? POLLIN : POLLOUT), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(max(1, remaining * 1000)))
            if ready < 0, errno != EINTR { break }
            for (slot, index) in waiting.enumerated() where fds[slot].revents != 0 {
                let fd = sockets[index]
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if targets[index].proto == "udp", error != 0 {
                    // An ICMP error (port unreachable: refused); reading SO_ERROR cleared it.
                    outcomes[index] = Self.outcome(errno: error)
                } else if targets[index].proto == "udp" {
                    var buffer = [UInt8](repeating: 0, count: 512)
                    let received = recv(fd, &buffer, buffer.count, 0)
                    outcomes[index] = received >= 0 ? .answered(Self.now() - started[index]) : Self.outcome(errno: errno)
                } else if error == 0 {
                    outcomes[index] = .answered(Self.now() - started[index])
                } else {
                    outcomes[index] = Self.outcome(errno: error)
                }
            }
        }
        return zip(outcomes, ports).map { ($0 ?? .noAnswer, $1) }
    }

    static func outcome(errno code: Int32) -> Outcome {
        switch code {
        case ECONNREFUSED: .refused
        case EHOSTUNREACH, ENETUNREACH: .unreachable
        case ETIMEDOUT: .noAnswer
        default: .failed(String(cString: strerror(code)))
        }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
