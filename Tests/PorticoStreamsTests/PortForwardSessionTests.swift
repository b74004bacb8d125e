import NIOCore
import PorticoStreams
import Testing

@Suite("Port-forward session")
struct PortForwardSessionTests {
    typealias Action = PortForwardSession.Action

    func makeSession() throws -> PortForwardSession {
        try PortForwardSession(configuration: .init(podName: "web-0", podUID: "1234-uid"))
    }

    /// Opens the error and data streams of one request the way client-go does.
    func open(_ session: inout PortForwardSession, _ client: inout FakeClient, request: String, port: UInt16,
              errorStream: UInt32, dataStream: UInt32) throws -> [Action] {
        var actions = session.receive(fromClient: try client.bytes(
            .synStream(streamID: errorStream, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "error", port: port, requestID: request))))
        let replies = try client.frames(in: actions)
        #expect(replies == [.synReply(streamID: errorStream, fin: false, headers: [:])])
        // client-go half-closes the error stream at once: it never writes there.
        actions = session.receive(fromClient: try client.bytes(.data(streamID: errorStream, fin: true, payload: ByteBuffer())))
        #expect(actions.isEmpty)
        actions = session.receive(fromClient: try client.bytes(
            .synStream(streamID: dataStream, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "data", port: port, requestID: request))))
        #expect(try client.frames(in: actions) == [.synReply(streamID: dataStream, fin: false, headers: [:])])
        return podActions(actions)
    }

    @Test("a whole forwarded connection: streams, data both ways, FIN both ways")
    func conversation() throws {
        var session = try makeSession()
        var client = try FakeClient()
        #expect(try open(&session, &client, request: "0", port: 8080, errorStream: 1, dataStream: 3)
                == [.connectToPod(requestID: "0", port: 8080)])
        #expect(session.podConnected(requestID: "0").isEmpty)

        var actions = session.receive(fromClient: try client.bytes(
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "GET / HTTP/1.0\r\n\r\n"))))
        #expect(actions == [.writeToPod(requestID: "0", ByteBuffer(string: "GET / HTTP/1.0\r\n\r\n"))])

        actions = session.podData(requestID: "0", ByteBuffer(string: "HTTP/1.0 200 OK\r\n\r\nhi"))
        #expect(try client.frames(in: actions)
                == [.data(streamID: 3, fin: false, payload: ByteBuffer(string: "HTTP/1.0 200 OK\r\n\r\nhi"))])

        // The local socket ended: client-go closes the data stream (FIN).
        actions = session.receive(fromClient: try client.bytes(.data(streamID: 3, fin: true, payload: ByteBuffer())))
        #expect(actions == [.halfClosePod(requestID: "0")])

        // The pod closes: FIN on the data stream, then on the error stream (empty = success).
        actions = session.podClosed(requestID: "0", error: nil)
        #expect(podActions(actions) == [.closePod(requestID: "0")])
        #expect(try client.frames(in: actions) == [
            .data(streamID: 3, fin: true, payload: ByteBuffer()),
            .data(streamID: 1, fin: true, payload: ByteBuffer()),
        ])
        #expect(session.activeRequestIDs.isEmpty)
        // client-go's Reset after its own FIN sends nothing; a late RST would be ignored anyway.
        #expect(session.receive(fromClient: try client.bytes(.rstStream(streamID: 3, status: .cancel))).isEmpty)
        #expect(!session.isClosed)
    }

    @Test("a failed pod connection is reported with the kubelet's words on the error stream")
    func connectFailure() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "4", port: 9999, errorStream: 1, dataStream: 3)
        let reason = "failed to connect to localhost:9999 inside namespace \"abc\", IPv4: dial tcp4 127.0.0.1:9999: connect: connection refused IPv6 dial tcp6 [::1]:9999: connect: connection refused "
        let actions = session.podConnectFailed(requestID: "4", error: reason)
        #expect(podActions(actions).isEmpty)
        #expect(try client.frames(in: actions) == [
            .data(streamID: 1, fin: false, payload: ByteBuffer(string: "error forwarding port 9999 to pod web-0, uid 1234-uid: " + reason)),
            .data(streamID: 3, fin: true, payload: ByteBuffer()),
            .data(streamID: 1, fin: true, payload: ByteBuffer()),
        ])
        #expect(session.activeRequestIDs.isEmpty)
    }

    @Test("CRI-style pod identity prints an empty uid, as kubectl users see it")
    func emptyUID() throws {
        var session = try PortForwardSession(configuration: .init(podName: "3f9e0c", podUID: ""))
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        let frames = try client.frames(in: session.podConnectFailed(requestID: "0", error: "refused"))
        #expect(frames.first == .data(streamID: 1, fin: false, payload: ByteBuffer(string: "error forwarding port 80 to pod 3f9e0c, uid : refused")))
    }

    @Test("several requests share one connection without mixing their bytes")
    func concurrentRequests() throws {
        var session = try makeSession()
        var client = try FakeClient()
        #expect(try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3) == [.connectToPod(requestID: "0", port: 80)])
        #expect(try open(&session, &client, request: "1", port: 81, errorStream: 5, dataStream: 7) == [.connectToPod(requestID: "1", port: 81)])
        #expect(session.activeRequestIDs == ["0", "1"])
        _ = session.podConnected(requestID: "1")
        _ = session.podConnected(requestID: "0")
        #expect(session.receive(fromClient: try client.bytes(
            .data(streamID: 7, fin: false, payload: ByteBuffer(string: "to-1")),
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "to-0"))))
            == [.writeToPod(requestID: "1", ByteBuffer(string: "to-1")), .writeToPod(requestID: "0", ByteBuffer(string: "to-0"))])
        #expect(try client.frames(in: session.podData(requestID: "1", ByteBuffer(string: "from-1")))
                == [.data(streamID: 7, fin: false, payload: ByteBuffer(string: "from-1"))])
        // Request 0 fails mid-way; request 1 goes on.
        let failed = session.podClosed(requestID: "0", error: "connection reset by peer")
        #expect(try client.frames(in: failed).first
                == .data(streamID: 1, fin: false, payload: ByteBuffer(string: "error forwarding port 80 to pod web-0, uid 1234-uid: connection reset by peer")))
        #expect(session.activeRequestIDs == ["1"])
        #expect(try client.frames(in: session.podData(requestID: "1", ByteBuffer(string: "more")))
                == [.data(streamID: 7, fin: false, payload: ByteBuffer(string: "more"))])
    }

    @Test("client bytes that arrive before the pod connection are queued, FIN too")
    func earlyData() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        #expect(session.receive(fromClient: try client.bytes(
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "a")),
            .data(streamID: 3, fin: true, payload: ByteBuffer(string: "b")))).isEmpty)
        #expect(session.podConnected(requestID: "0") == [
            .writeToPod(requestID: "0", ByteBuffer(string: "a")),
            .writeToPod(requestID: "0", ByteBuffer(string: "b")),
            .halfClosePod(requestID: "0"),
        ])
    }

    @Test("a client reset of the data stream closes the pod and ends the error stream")
    func clientReset() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        _ = session.podConnected(requestID: "0")
        let actions = session.receive(fromClient: try client.bytes(.rstStream(streamID: 3, status: .cancel)))
        #expect(podActions(actions) == [.closePod(requestID: "0")])
        #expect(try client.frames(in: actions) == [.data(streamID: 1, fin: true, payload: ByteBuffer())])
        #expect(session.activeRequestIDs.isEmpty)
        // Late pod events for the finished request do nothing.
        #expect(session.podData(requestID: "0", ByteBuffer(string: "late")).isEmpty)
        #expect(session.podClosed(requestID: "0", error: nil).isEmpty)
    }

    @Test("a pod connection that completes after the request ended is closed at once")
    func lateConnect() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        _ = session.receive(fromClient: try client.bytes(.rstStream(streamID: 3, status: .cancel)))
        #expect(session.podConnected(requestID: "0") == [.closePod(requestID: "0")])
    }

    @Test("pod bytes are cut into frames of the configured size")
    func framing() throws {
        var session = try PortForwardSession(configuration: .init(podName: "p", maximumDataFrameSize: 4))
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        _ = session.podConnected(requestID: "0")
        let actions = session.podData(requestID: "0", ByteBuffer(string: "0123456789"))
        #expect(actions.count == 3)
        #expect(try client.frames(in: actions) == [
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "0123")),
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "4567")),
            .data(streamID: 3, fin: false, payload: ByteBuffer(string: "89")),
        ])
    }

    @Test("client pings are echoed; SETTINGS and WINDOW_UPDATE need no answer")
    func controlFrames() throws {
        var session = try makeSession()
        var client = try FakeClient()
        var actions = session.receive(fromClient: try client.bytes(.ping(id: 1), .ping(id: 3), .ping(id: 2)))
        #expect(try client.frames(in: actions) == [.ping(id: 1), .ping(id: 3)])
        actions = session.receive(fromClient: try client.bytes(
            .settings(clearPersisted: false, entries: [SPDYSetting(id: 7, value: 65536)]),
            .windowUpdate(streamID: 0, deltaWindowSize: 1000),
            .unknownControl(type: 10, flags: 0, payload: ByteBuffer(bytes: [0, 0]))))
        #expect(actions.isEmpty)
        #expect(session.clientInitialWindowSize == 65536)
    }

    @Test("GOAWAY from the client closes every pod connection and the session")
    func goAway() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        _ = try open(&session, &client, request: "1", port: 80, errorStream: 5, dataStream: 7)
        _ = session.podConnected(requestID: "0")
        let actions = session.receive(fromClient: try client.bytes(.goAway(lastGoodStreamID: 0, status: 0)))
        #expect(actions == [.closePod(requestID: "0"), .closePod(requestID: "1"), .closeConnection(nil)])
        #expect(session.isClosed)
        #expect(session.receive(fromClient: try client.bytes(.ping(id: 5))).isEmpty)
        #expect(session.podConnected(requestID: "1") == [.closePod(requestID: "1")])
    }

    @Test("the transport going away releases the pod connections")
    func transportClosed() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        #expect(session.clientClosed() == [.closePod(requestID: "0")])
        #expect(session.isClosed)
    }

    @Test("streams with bad headers are reset, as the kubelet rejects them")
    func badHeaders() throws {
        var session = try makeSession()
        var client = try FakeClient()
        let cases: [(UInt32, SPDYHeaderBlock)] = [
            (1, ["streamtype": "data"]),                                  // no port
            (3, ["streamtype": "data", "port": "0"]),                      // port 0
            (5, ["streamtype": "data", "port": "70000"]),                  // not 16-bit
            (7, ["port": "80"]),                                          // no stream type
            (9, ["streamtype": "stdin", "port": "80"]),                   // not error/data
        ]
        for (id, headers) in cases {
            let actions = session.receive(fromClient: try client.bytes(
                .synStream(streamID: id, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headers: headers)))
            #expect(try client.frames(in: actions) == [.rstStream(streamID: id, status: .cancel)])
        }
        #expect(session.activeRequestIDs.isEmpty)
    }

    @Test("stream ids that go backwards are refused with PROTOCOL_ERROR")
    func streamIDOrder() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 5, dataStream: 7)
        let actions = session.receive(fromClient: try client.bytes(
            .synStream(streamID: 3, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "error", port: 80, requestID: "9"))))
        #expect(try client.frames(in: actions) == [.rstStream(streamID: 3, status: .protocolError)])
    }

    @Test("a second data stream for a request is reported on its error stream")
    func duplicateStream() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        let actions = session.receive(fromClient: try client.bytes(
            .synStream(streamID: 5, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "data", port: 80, requestID: "0"))))
        #expect(try client.frames(in: actions) == [
            .synReply(streamID: 5, fin: false, headers: [:]),
            .data(streamID: 1, fin: false, payload: ByteBuffer(string: "error processing stream for request 0: data stream already assigned")),
        ])
    }

    @Test("old clients without requestID are paired by stream id, as the kubelet does")
    func noRequestID() throws {
        var session = try makeSession()
        let client = try FakeClient()
        _ = session.receive(fromClient: try client.bytes(
            .synStream(streamID: 1, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "error", port: 80, requestID: nil))))
        let actions = session.receive(fromClient: try client.bytes(
            .synStream(streamID: 3, associatedStreamID: 0, priority: 0, slot: 0, fin: false, unidirectional: false,
                       headers: portForwardHeaders(type: "data", port: 80, requestID: nil))))
        #expect(podActions(actions) == [.connectToPod(requestID: "1", port: 80)])
    }

    @Test("malformed client bytes end the session with GOAWAY(PROTOCOL_ERROR) and a clear error")
    func malformed() throws {
        var session = try makeSession()
        var client = try FakeClient()
        _ = try open(&session, &client, request: "0", port: 80, errorStream: 1, dataStream: 3)
        _ = session.podConnected(requestID: "0")
        let actions = session.receive(fromClient: buffer([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]))
        #expect(try client.frames(in: actions) == [.goAway(lastGoodStreamID: 3, status: 1)])
        #expect(podActions(actions) == [.closePod(requestID: "0"), .closeConnection(.unsupportedVersion(2))])
        #expect(session.isClosed)
        #expect("\(SPDYError.unsupportedVersion(2))".contains("version 2"))
    }

    @Test("a corrupt header block is fatal too (the zlib context is lost)")
    func corruptHeaders() throws {
        var session = try makeSession()
        let actions = session.receive(fromClient: buffer([0x80, 0x03, 0x00, 0x01, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]))
        guard case .closeConnection(.compression?) = actions.last else {
            Issue.record("expected a compression failure, got \(actions)"); return
        }
    }

    @Test("the bytes a real spdystream client sent drive the session, fed as client-go's WebSocket messages")
    func goClient() throws {
        var session = try makeSession()
        var client = try FakeClient()
        var actions: [Action] = []
        var offset = 0
        for size in goClientFieldSizes {
            let chunk = buffer(Array(goClientConversation[offset..<(offset + size)]))
            offset += size
            actions += session.receive(fromClient: chunk)
            if case .connectToPod? = podActions(actions).last {
                actions += session.podConnected(requestID: "0")
            }
        }
        #expect(podActions(actions) == [
            .connectToPod(requestID: "0", port: 8080),
            .writeToPod(requestID: "0", ByteBuffer(string: "hello pod")),
            .halfClosePod(requestID: "0"),
        ])
        #expect(try client.frames(in: actions) == [
            .synReply(streamID: 1, fin: false, headers: [:]),
            .synReply(streamID: 3, fin: false, headers: [:]),
            .ping(id: 1),
        ])
    }
}
