import ArgumentParser
import Foundation
import PorticoLab
import PorticoSystem

/// `portico exec <place> -- <command>`: a program run where a lab's client would stand, so
/// a person can try a request from the host, the internet, the load balancer, a node or a pod.
struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in a place of the lab: host, internet, lb, a node (node-1) or a pod (pod/<name>).",
        discussion: """
            The command replaces this process, so its input, output and exit code are the command's own \
            (an interactive shell works). Needs root. Examples:
              portico exec internet -- curl -s http://203.0.113.10/hostname
              portico exec node-1 -- nft list table ip portico
              portico exec pod/web-77b546bbbb-85zqq -- cat /etc/resolv.conf
            """)

    @OptionGroup var lab: LabOptions

    @Option(name: .shortAndLong, help: "The namespace of a pod/<name> place.")
    var namespace = "default"

    @Argument(help: "Where: host (or lan), internet, lb, node-N, pod/<name> or pod/<namespace>/<name>.")
    var place: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        if self.command.isEmpty { throw ValidationError("say what to run after --, for example: portico exec \(self.place) -- ip addr") }
    }

    func run() async throws {
        guard getuid() == 0 else {
            FileHandle.standardError.write(Data("portico exec needs root: it enters the lab's network namespaces.\n".utf8))
            throw ExitCode(1)
        }
        let plan = try self.lab.load()
        let prefix: [String]
        do {
            let place = try LabPlace(parsing: self.place, namespace: self.namespace, plan: plan)
            if case .pod = place {
                let (client, transport) = try plan.connect()
                do {
                    prefix = try await place.prefix(plan: plan, client: client)
                    try? await transport.shutdown()
                } catch {
                    try? await transport.shutdown()
                    throw error
                }
            } else {
                prefix = try await place.prefix(plan: plan, client: nil)
            }
        } catch let error as LabError {
            FileHandle.standardError.write(Data("portico exec: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let words = prefix + self.command
        let path: String
        do { path = try Shell.locate(words[0]) } catch {
            FileHandle.standardError.write(Data("portico exec: \(words[0]): not found on PATH\n".utf8))
            throw ExitCode(127)
        }
        let arguments = words.map { strdup($0) } + [nil]
        execv(path, arguments)
        FileHandle.standardError.write(Data("portico exec: \(words[0]): \(String(cString: strerror(errno)))\n".utf8))
        throw ExitCode(126)
    }
}
