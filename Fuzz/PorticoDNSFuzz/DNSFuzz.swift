import NIOCore
import PorticoDNSWire

/// Feeds arbitrary octets to the DNS decoder, then writes back what it read and reads that
/// again: a message that decodes must encode to one that decodes to the same message.
/// Built with `-sanitize=fuzzer -DPORTICO_FUZZ` by scripts/fuzz-dns, libFuzzer drives it; built
/// plainly, it replays the files it is given (a crash corpus) through the same check.
enum DNSFuzz {
    static func check(_ bytes: UnsafeRawBufferPointer) {
        let buffer = ByteBuffer(bytes: bytes)
        _ = DNSMessage.readHeader(buffer)
        guard let message = try? DNSMessage(from: buffer) else { return }
        var written = ByteBuffer()
        // Re-encoding may not fit (the input's compression can beat ours): nothing to compare then.
        if written.writeDNSMessage(message) { return }
        guard let again = try? DNSMessage(from: written) else {
            fatalError("a decoded message did not survive encoding: \(message)")
        }
        precondition(again == message,
                     "a decoded message changed through encoding")
    }
}

#if PORTICO_FUZZ
import CPorticoFuzz

/// What libFuzzer calls with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func portico_dns_fuzz_one(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    DNSFuzz.check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// The entry point SwiftPM gives this executable (`<target>_main`), handed to libFuzzer.
@_cdecl("PorticoDNSFuzz_main")
public func portico_dns_fuzz_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, portico_dns_fuzz_one)
}
#else
import Foundation

@main
struct DNSFuzzReplay {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            data.withUnsafeBytes { DNSFuzz.check($0) }
            print("\(path): ok")
        }
    }
}
#endif
