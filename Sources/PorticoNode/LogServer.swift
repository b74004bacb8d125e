import Foundation
import Hummingbird
import HummingbirdWebSocket
import HTTPTypes
import Logging
import NIOCore
import PorticoAPI

/// The kubelet's `/containerLogs/{namespace}/{pod}/{container}` on the node's port 10250,
/// which the API server calls for `kubectl logs`. Query parameters as the kubelet reads
/// them: follow, previous, tailLines (or tail), limitBytes. Errors are plain text with the
/// kubelet's words; the API server passes them on.
///
/// Portico differs in two ways: the port speaks plain HTTP on the lab's LAN (the kubelet
/// speaks HTTPS with client certificates), and container output goes straight to a file, so
/// there are no per-line timestamps: `timestamps`, `sinceSeconds` and `sinceTime` are refused.
struct LogServer: Sendable {
    let manager: PodManager
    let address: String
    let port: Int
    let logger: Logger

    /// The node's kubelet port: these logs, and the streams of `ExecServer` and
    /// `PortForwardServer` over WebSocket.
    func application() -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        ExecServer(manager: self.manager, logger: self.logger).register(on: router)
        PortForwardServer(manager: self.manager, logger: self.logger).register(on: router)
        router.get("/healthz") { _, _ in "ok" }
        router.get("/containerLogs/:namespace/:pod/:container") { request, context -> Response in
            let namespace = context.parameters.get("namespace") ?? ""
            let pod = context.parameters.get("pod") ?? ""
            let container = context.parameters.get("container") ?? ""
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            return await self.logs(namespace: namespace, pod: pod, container: container, query: query)
        }
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
                           configuration: .init(address: .hostname(self.address, port: self.port), serverName: nil),
                           logger: self.logger)
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message)))
    }

    func logs(namespace: String, pod podName: String, container: String, query: [String: String]) async -> Response {
        for unsupported in ["timestamps", "sinceSeconds", "sinceTime"] where query[unsupported] != nil && query[unsupported] != "false" {
            return Self.text(.badRequest, "\(unsupported) is not supported by Portico's node agent: container output goes straight to a file, without per-line times")
        }
        let follow = query["follow"] == "true"
        let previous = query["previous"] == "true"
        var tailLines = Int(query["tailLines"] ?? "")
        if let tail = query["tail"], tail != "all" { tailLines = Int(tail) }
        let limitBytes = Int(query["limitBytes"] ?? "")
        if (tailLines ?? 0) < 0 || (limitBytes ?? 1) < 1 { return Self.text(.unprocessableContent, "{\"message\": \"Invalid request.\"}") }

        guard let worker = await self.manager.worker(namespace: namespace, name: podName) else {
            return Self.text(.notFound, "pod \"\(podName)\" does not exist")
        }
        let view = await worker.logView(container: container)
        guard view.containers.contains(container) || view.initContainers.contains(container) else {
            return Self.text(.notFound, "container \"\(container)\" not found in pod \"\(podName)\"")
        }
        guard let record = view.record else {
            return Self.text(.badRequest, "container \"\(container)\" in pod \"\(podName)\" is not available")
        }
        // Which run's file: the current one, or the one before it.
        var file: String
        var live = view.running
        if previous {
            guard record.lastState.terminated != nil || (record.state.terminated != nil && record.restartCount > 0) else {
                return Self.text(.badRequest, "previous terminated container \"\(container)\" in pod \"\(podName)\" not found")
            }
            let run = record.state.running != nil || record.state.waiting != nil ? record.restartCount - 1 : record.restartCount - 1
            file = "\(view.directory)/\(max(run, 0)).log"
            live = false
        } else if record.state.running != nil || record.state.terminated != nil {
            file = "\(view.directory)/\(record.restartCount).log"
        } else if record.lastState.terminated != nil {
            // Waiting to restart (back-off): the last run's output.
            file = "\(view.directory)/\(record.restartCount).log"
            if !FileManager.default.fileExists(atPath: file) { file = "\(view.directory)/\(max(record.restartCount - 1, 0)).log" }
            live = false
        } else if let waiting = record.state.waiting {
            return Self.text(.badRequest, "container \"\(container)\" in pod \"\(podName)\" is waiting to start: \(waiting.reason)")
        } else {
            return Self.text(.badRequest, "container \"\(container)\" in pod \"\(podName)\" is waiting to start - no logs yet")
        }
        let path = file
        let follows = follow && live
        let tail = tailLines
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody { writer in
            try await LogReader.write(path: path, tailLines: tail, limitBytes: limitBytes, follow: follows,
                                      stillRunning: { await worker.logView(container: container).running }, to: &writer)
            try await writer.finish(nil)
        })
    }
}

/// Reads a log file as `kubectl logs` wants it: the last N lines, at most N bytes, and
/// with follow, what is appended while the container runs.
enum LogReader {
    static func write(path: String, tailLines: Int?, limitBytes: Int?, follow: Bool,
                      stillRunning: @Sendable () async -> Bool, to writer: inout any ResponseBodyWriter) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        var budget = limitBytes ?? Int.max
        var offset: UInt64 = 0
        if let tailLines {
            offset = self.offsetOfLastLines(handle, count: tailLines)
        }
        try handle.seek(toOffset: offset)
        while true {
            let chunk = handle.readData(ofLength: min(64 * 1024, budget))
            if !chunk.isEmpty {
                budget -= chunk.count
                try await writer.write(ByteBuffer(bytes: chunk))
                if budget <= 0 { return }
                continue
            }
            guard follow else { return }
            if !(await stillRunning()) {
                // One last read for what was written just before the end.
                let rest = handle.readDataToEndOfFile().prefix(budget)
                if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Where the last `count` lines begin.
    static func offsetOfLastLines(_ handle: FileHandle, count: Int) -> UInt64 {
        guard let size = try? handle.seekToEnd(), size > 0 else { return 0 }
        if count == 0 { return size }
        var position = size
        var newlines = 0
        var skipTrailing = true
        while position > 0 {
            let step = min(UInt64(8192), position)
            position -= step
            try? handle.seek(toOffset: position)
            let data = [UInt8](handle.readData(ofLength: Int(step)))
            for i in stride(from: data.count - 1, through: 0, by: -1) {
                if data[i] == 0x0A {
                    if skipTrailing, position + UInt64(i) == size - 1 { skipTrailing = false; continue }
                    newlines += 1
                    if newlines == count { return position + UInt64(i) + 1 }
                }
                skipTrailing = false
            }
        }
        return 0
    }
}
