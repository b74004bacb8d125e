import Foundation
import PorticoSystem

/// System programs Portico needs: missing ones are installed with apt as root on Debian,
/// saying so; otherwise the error names the package.
public enum SystemPrograms {
    public static func ensure(_ programs: [String: String]) async throws {
        let missing = programs.filter { (try? Shell.locate($0.key)) == nil }
        guard !missing.isEmpty else { return }
        let packages = Array(Set(missing.values)).sorted()
        let names = missing.keys.sorted().joined(separator: ", ")
        guard getuid() == 0, (try? Shell.locate("apt-get")) != nil else {
            throw LabError("\(names) not found; install \(packages.joined(separator: " ")) (on Debian: apt-get install -y \(packages.joined(separator: " ")))")
        }
        FileHandle.standardOutput.write(Data("   \(names) not found: running apt-get install -y \(packages.joined(separator: " "))\n".utf8))
        let result = try await Shell.run("apt-get", ["install", "-y", "--no-install-recommends"] + packages, allowFailure: true)
        if result.status != 0 {
            _ = try await Shell.run("apt-get", ["update"], allowFailure: true)
            try await Shell.run("apt-get", ["install", "-y", "--no-install-recommends"] + packages)
        }
    }
}
