import NIOCore

/// The server side of the Kubernetes port-forward protocol (`portforward.k8s.io`) over
/// SPDY/3.1, as a pure state machine: events in, actions out, no I/O.
///
/// What the client (client-go's `tools/portforward`, used by `kubectl port-forward`) does,
/// per local TCP connection it accepts, with a fresh integer `requestID`:
/// 1. opens an *error* stream (headers `streamtype: error`, `port`, `requestid`), waits for
///    our SYN_REPLY, and at once half-closes it (empty DATA with FIN): it never writes there;
/// 2. opens a *data* stream with the same headers but `streamtype: data`, waits for SYN_REPLY;
/// 3. copies bytes both ways on the data stream, sends FIN when its local socket ends, and
///    once our side of the data stream has ended it resets the data stream (RST_STREAM CANCEL);
/// 4. reads the error stream to its end: empty means success, any text is a failure that it
///    logs before closing the whole connection.
/// So the server replies to every valid stream at once, connects to the pod port when both
/// streams of a request are there, and, when the pod side is over, ends the data stream and
/// then the error stream with FIN (after the error text, if any), as the kubelet does.
///
/// spdystream does no flow control: it never sends WINDOW_UPDATE, ignores the ones it gets
/// and writes regardless of windows, so this session neither sends nor honours them.
/// Back-pressure is the transport's job (stop reading the WebSocket while a pod write is
/// pending).
public struct PortForwardSession {
    /// Who the forwarded pod is, for the error text the client prints.
    public struct Configuration: Sendable {
        /// Pod name as the kubelet prints it; CRI runtimes pass the sandbox id here.
        public var podName: String
        /// Pod UID; empty with CRI runtimes, which is why kubectl users see "uid :".
        public var podUID: String
        /// Pod bytes are cut into DATA frames of at most this size (the kubelet copies with
        /// 32 KiB buffers, so client-go is used to such frames).
        public var maximumDataFrameSize: Int

        public init(podName: String, podUID: String = "", maximumDataFrameSize: Int = 32 * 1024) {
            self.podName = podName
            self.podUID = podUID
            self.maximumDataFrameSize = max(1, min(maximumDataFrameSize, 0xFF_FFFF))
        }
    }

    /// What can happen to the session.
    public enum Event: Sendable {
        /// Bytes of the SPDY stream from the client (any chunking; a WebSocket message each).
        case clientBytes(ByteBuffer)
        /// The transport to the client is gone.
        case clientClosed
        /// The TCP connection asked for by `connectToPod` is up.
        case podConnected(requestID: String)
        /// The TCP connection could not be made; `error` is the runtime's reason.
        case podConnectFailed(requestID: String, error: String)
        /// Bytes read from the pod connection.
        case podData(requestID: String, ByteBuffer)
        /// The pod connection has nothing more to give (EOF, or a read error described by `error`).
        case podClosed(requestID: String, error: String?)
    }

    /// What the transport must do, in order.
    public enum Action: Hashable, Sendable {
        /// Send these bytes (whole SPDY frames) to the client as one binary WebSocket message.
        case sendToClient(ByteBuffer)
        /// Open a TCP connection to `port` in the pod for this request.
        case connectToPod(requestID: String, port: UInt16)
        /// Write client bytes to the pod connection of this request.
        case writeToPod(requestID: String, ByteBuffer)
        /// The client has no more to send: shut down the write side of the pod connection.
        case halfClosePod(requestID: String)
        /// Close the pod connection of this request (or drop it if it is still connecting).
        case closePod(requestID: String)
        /// Close the client transport after sending what was queued before; nil for an
        /// orderly end (the client said GOAWAY), else the protocol error that ended it.
        case closeConnection(SPDYError?)
    }

    public let configuration: Configuration

    // MARK: State

    private enum Phase { case open, closed }
    private enum StreamKind { case error, data, ignored }
    private enum PodState { case idle, connecting, connected, closed }

    /// One forwarded connection: the error/data stream pair that shares a requestID.
    private struct Request {
        var errorStream: UInt32?
        var dataStream: UInt32?
        var port: UInt16 = 0
        var pod: PodState = .idle
        /// Client bytes that came before the pod connection was up.
        var pendingToPod: [ByteBuffer] = []
        /// The client sent FIN on the data stream.
        var clientFinishedData = false
        /// We may no longer send on the data stream (FIN sent, or the client reset it).
        var dataStreamDone = false
        /// We may no longer send on the error stream (FIN sent, or the client reset it).
        var errorStreamDone = false
    }

    private var phase: Phase = .open
    private var decoder: SPDYFrameDecoder
    private let encoder: SPDYFrameEncoder
    private var requests: [String: Request] = [:]
    private var streams: [UInt32: (requestID: String, kind: StreamKind)] = [:]
    /// spdystream accepts a client stream id only if it is at least this; it then moves
    /// past it by 2 (client ids are odd: 1, 3, 5...).
    private var nextClientStreamID: UInt32 = 1
    /// The client's SETTINGS_INITIAL_WINDOW_SIZE, kept for diagnostics only (see above).
    public private(set) var clientInitialWindowSize: UInt32?

    public init(configuration: Configuration) throws(SPDYError) {
        self.configuration = configuration
        self.decoder = try SPDYFrameDecoder()
        self.encoder = try SPDYFrameEncoder()
    }

    /// True once the session has ended; later events only release pod connections.
    public var isClosed: Bool { phase == .closed }

    /// The requests whose streams are still open, sorted.
    public var activeRequestIDs: [String] { requests.keys.sorted() }

    // MARK: Handlers

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .clientBytes(let bytes): return receive(fromClient: bytes)
        case .clientClosed: return clientClosed()
        case .podConnected(let id): return podConnected(requestID: id)
        case .podConnectFailed(let id, let error): return podConnectFailed(requestID: id, error: error)
        case .podData(let id, let bytes): return podData(requestID: id, bytes)
        case .podClosed(let id, let error): return podClosed(requestID: id, error: error)
        }
    }

    /// Feeds bytes from the client and runs every frame they complete.
    public mutating func receive(fromClient bytes: ByteBuffer) -> [Action] {
        guard phase == .open else { return [] }
        decoder.append(bytes)
        var actions: [Action] = []
        do {
            while phase == .open, let frame = try decoder.nextFrame() {
                try handleFrame(frame, into: &actions)
            }
        } catch {
            fail(error, into: &actions)
        }
        return actions
    }

    /// The client transport is gone: release every pod connection.
    public mutating func clientClosed() -> [Action] {
        guard phase == .open else { return [] }
        var actions: [Action] = []
        closeAllPods(into: &actions)
        phase = .closed
        return actions
    }

    public mutating func podConnected(requestID: String) -> [Action] {
        guard phase == .open, var request = requests[requestID] else {
            // The request ended while connecting: the new connection has no use.
            return [.closePod(requestID: requestID)]
        }
        guard request.pod == .connecting else { return [] }
        var actions: [Action] = []
        request.pod = .connected
        for bytes in request.pendingToPod {
            actions.append(.writeToPod(requestID: requestID, bytes))
        }
        request.pendingToPod = []
        if request.clientFinishedData {
            actions.append(.halfClosePod(requestID: requestID))
        }
        requests[requestID] = request
        return actions
    }

    public mutating func podConnectFailed(requestID: String, error: String) -> [Action] {
        guard phase == .open, var request = requests[requestID], request.pod == .connecting else { return [] }
        request.pod = .closed
        request.pendingToPod = []
        requests[requestID] = request
        var actions: [Action] = []
        finish(requestID, error: error, into: &actions)
        return actions
    }

    public mutating func podData(requestID: String, _ bytes: ByteBuffer) -> [Action] {
        guard phase == .open, let request = requests[requestID], request.pod == .connected,
              !request.dataStreamDone, let stream = request.dataStream
        else { return [] }
        var actions: [Action] = []
        var rest = bytes
        while rest.readableBytes > 0 {
            let chunk = rest.readSlice(length: min(rest.readableBytes, configuration.maximumDataFrameSize))!
            send(.data(streamID: stream, fin: false, payload: chunk), into: &actions)
        }
        return actions
    }

    public mutating func podClosed(requestID: String, error: String?) -> [Action] {
        guard phase == .open, var request = requests[requestID],
              request.pod == .connected || request.pod == .connecting
        else { return [] }
        request.pod = .closed
        request.pendingToPod = []
        requests[requestID] = request
        var actions: [Action] = [.closePod(requestID: requestID)]
        finish(requestID, error: error, into: &actions)
        return actions
    }

    // MARK: Frames from the client

    private mutating func handleFrame(_ frame: SPDYFrame, into actions: inout [Action]) throws(SPDYError) {
        switch frame {
        case .synStream(let id, _, _, _, let fin, _, let headers):
            openStream(id, fin: fin, headers: headers, into: &actions)
        case .data(let id, let fin, let payload):
            clientData(on: id, payload: payload, fin: fin, into: &actions)
        case .rstStream(let id, _):
            clientReset(id, into: &actions)
        case .ping(let id):
            // Client pings are odd (client-go pings every 10 s over the tunnel); even ids
            // would be answers to pings of ours, and we send none.
            if id & 1 == 1 { send(.ping(id: id), into: &actions) }
        case .goAway:
            // client-go sends GOAWAY from Close(), after resetting its streams: it is done.
            closeAllPods(into: &actions)
            phase = .closed
            actions.append(.closeConnection(nil))
        case .settings(_, let entries):
            if let window = entries.last(where: { $0.id == SPDYSetting.initialWindowSizeID }) {
                clientInitialWindowSize = window.value
            }
        case .windowUpdate, .headers, .synReply, .unknownControl:
            // No flow control (see the type's notes); no HEADERS or replies in this protocol;
            // unknown control types are ignored as the draft asks.
            break
        }
    }

    private mutating func openStream(_ id: UInt32, fin: Bool, headers: SPDYHeaderBlock,
                                     into actions: inout [Action]) {
        guard id >= nextClientStreamID, id & 1 == 1 else {
            // spdystream's rule for out-of-order ids: refuse the stream, keep the connection.
            send(.rstStream(streamID: id, status: .protocolError), into: &actions)
            return
        }
        nextClientStreamID = id &+ 2
        // The kubelet's checks (httpStreamReceived); a bad stream is reset, not replied.
        guard let portText = headers[PortForwardHeaders.port], let port = UInt16(portText), port > 0,
              let type = headers[PortForwardHeaders.streamType],
              type == PortForwardHeaders.streamTypeError || type == PortForwardHeaders.streamTypeData
        else {
            send(.rstStream(streamID: id, status: .cancel), into: &actions)
            return
        }
        send(.synReply(streamID: id, fin: false, headers: [:]), into: &actions)

        let isError = type == PortForwardHeaders.streamTypeError
        // Old clients sent no request id; the kubelet pairs their streams by id (error n, data n+2).
        let requestID = headers[PortForwardHeaders.requestID].flatMap { $0.isEmpty ? nil : $0 }
            ?? String(isError ? id : id &- 2)
        var request = requests[requestID] ?? Request()
        if (isError && request.errorStream != nil) || (!isError && request.dataStream != nil) {
            streams[id] = (requestID, .ignored)
            let text = "error processing stream for request \(requestID): "
                + (isError ? "error stream already assigned" : "data stream already assigned")
            if let errorStream = request.errorStream, !request.errorStreamDone {
                send(.data(streamID: errorStream, fin: false, payload: ByteBuffer(string: text)), into: &actions)
            }
            return
        }
        if isError {
            request.errorStream = id
            request.errorStreamDone = false
            streams[id] = (requestID, .error)
        } else {
            request.dataStream = id
            request.port = port
            request.clientFinishedData = fin
            streams[id] = (requestID, .data)
        }
        if request.errorStream != nil, request.dataStream != nil, request.pod == .idle {
            request.pod = .connecting
            actions.append(.connectToPod(requestID: requestID, port: request.port))
        }
        requests[requestID] = request
    }

    private mutating func clientData(on id: UInt32, payload: ByteBuffer, fin: Bool,
                                     into actions: inout [Action]) {
        // Like spdystream, data for a stream that is unknown or already over is dropped.
        guard let (requestID, kind) = streams[id], kind == .data, var request = requests[requestID] else { return }
        if request.clientFinishedData { return }
        if payload.readableBytes > 0 {
            switch request.pod {
            case .connected: actions.append(.writeToPod(requestID: requestID, payload))
            case .idle, .connecting: request.pendingToPod.append(payload)
            case .closed: break
            }
        }
        if fin {
            request.clientFinishedData = true
            if request.pod == .connected { actions.append(.halfClosePod(requestID: requestID)) }
        }
        requests[requestID] = request
    }

    private mutating func clientReset(_ id: UInt32, into actions: inout [Action]) {
        guard let (requestID, kind) = streams.removeValue(forKey: id), var request = requests[requestID] else { return }
        switch kind {
        case .ignored:
            return
        case .error:
            // Nothing more can be reported; the data stream still runs its course.
            request.errorStreamDone = true
            requests[requestID] = request
            removeIfDone(requestID)
        case .data:
            // client-go resets the data stream when it has finished with it (or failed
            // writing to it); then it waits for the error stream to end.
            request.dataStreamDone = true
            switch request.pod {
            case .connecting, .connected: actions.append(.closePod(requestID: requestID))
            case .idle, .closed: break
            }
            request.pod = .closed
            request.pendingToPod = []
            requests[requestID] = request
            finish(requestID, error: nil, into: &actions)
        }
    }

    // MARK: Helpers

    /// Ends a request the kubelet way: the error text (if any) on the error stream, FIN on
    /// the data stream and FIN on the error stream; the client needs the latter to finish.
    private mutating func finish(_ requestID: String, error: String?, into actions: inout [Action]) {
        guard var request = requests[requestID] else { return }
        if let error, let stream = request.errorStream, !request.errorStreamDone {
            let text = "error forwarding port \(request.port) to pod \(configuration.podName), "
                + "uid \(configuration.podUID): \(error)"
            send(.data(streamID: stream, fin: false, payload: ByteBuffer(string: text)), into: &actions)
        }
        if let stream = request.dataStream, !request.dataStreamDone {
            send(.data(streamID: stream, fin: true, payload: ByteBuffer()), into: &actions)
        }
        if let stream = request.errorStream, !request.errorStreamDone {
            send(.data(streamID: stream, fin: true, payload: ByteBuffer()), into: &actions)
        }
        request.dataStreamDone = true
        request.errorStreamDone = true
        requests[requestID] = request
        removeIfDone(requestID)
    }

    private mutating func removeIfDone(_ requestID: String) {
        guard let request = requests[requestID], request.errorStreamDone, request.dataStreamDone,
              request.pod == .closed || request.pod == .idle
        else { return }
        requests[requestID] = nil
        streams = streams.filter { $0.value.requestID != requestID }
    }

    private mutating func closeAllPods(into actions: inout [Action]) {
        for (id, request) in requests.sorted(by: { $0.key < $1.key })
        where request.pod == .connecting || request.pod == .connected {
            actions.append(.closePod(requestID: id))
        }
        requests = [:]
        streams = [:]
    }

    /// A broken stream cannot be resynchronized: say GOAWAY (PROTOCOL_ERROR) and close.
    private mutating func fail(_ error: SPDYError, into actions: inout [Action]) {
        let lastGood = nextClientStreamID > 1 ? nextClientStreamID - 2 : 0
        if let bytes = try? encoder.encode(.goAway(lastGoodStreamID: lastGood, status: 1)) {
            actions.append(.sendToClient(bytes))
        }
        closeAllPods(into: &actions)
        phase = .closed
        actions.append(.closeConnection(error))
    }

    private mutating func send(_ frame: SPDYFrame, into actions: inout [Action]) {
        do {
            actions.append(.sendToClient(try encoder.encode(frame)))
        } catch {
            // Only a broken compressor gets here (every frame built above is valid).
            fail(error, into: &actions)
        }
    }
}

/// Header names and values of the port-forward protocol (k8s.io/api core/v1 constants
/// `StreamType`, `PortHeader`, `PortForwardRequestIDHeader`); on the wire they are lowercase.
public enum PortForwardHeaders {
    public static let streamType = "streamtype"
    public static let port = "port"
    public static let requestID = "requestid"
    public static let streamTypeError = "error"
    public static let streamTypeData = "data"
}
