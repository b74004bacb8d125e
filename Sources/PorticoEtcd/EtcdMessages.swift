import Foundation

/// The messages of etcd's v3 API as its JSON gateway writes them (the proto field names;
/// bytes as base64; 64-bit integers as strings; fields that are zero or false left out, so
/// every one is optional here). Only what Portico sends and reads.
public enum Etcd {
    /// An int64 that the gateway writes as a string (and accepts as either).
    public struct Int64String: Codable, Sendable, Hashable {
        public var value: Int64

        public init(_ value: Int64) { self.value = value }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), let value = Int64(text) {
                self.value = value
            } else {
                self.value = try container.decode(Int64.self)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(String(self.value))
        }
    }

    public struct Header: Codable, Sendable {
        public var revision: Int64String?
    }

    /// One key and its value as stored, with the revisions of its creation and last change.
    public struct KeyValue: Codable, Sendable {
        public var key: Data
        public var value: Data?
        public var create_revision: Int64String?
        public var mod_revision: Int64String?
        public var version: Int64String?

        public var keyText: String { String(decoding: self.key, as: UTF8.self) }
        public var modRevision: Int64 { self.mod_revision?.value ?? 0 }
    }

    public struct RangeRequest: Codable, Sendable {
        public var key: Data
        public var range_end: Data?
        public var limit: Int64String?
        public var revision: Int64String?
        public var count_only: Bool?

        public init(key: Data, range_end: Data? = nil, limit: Int64String? = nil, revision: Int64String? = nil, count_only: Bool? = nil) {
            self.key = key
            self.range_end = range_end
            self.limit = limit
            self.revision = revision
            self.count_only = count_only
        }
    }

    public struct RangeResponse: Codable, Sendable {
        public var header: Header?
        public var kvs: [KeyValue]?
        public var more: Bool?
        public var count: Int64String?
    }

    public struct PutRequest: Codable, Sendable {
        public var key: Data
        public var value: Data
        public var prev_kv: Bool?
    }

    public struct PutResponse: Codable, Sendable {
        public var header: Header?
        public var prev_kv: KeyValue?
    }

    public struct DeleteRangeRequest: Codable, Sendable {
        public var key: Data
        public var range_end: Data?
        public var prev_kv: Bool?
    }

    public struct DeleteRangeResponse: Codable, Sendable {
        public var header: Header?
        public var deleted: Int64String?
        public var prev_kvs: [KeyValue]?
    }

    /// A condition of a transaction on one key. The gateway compares `version` when `target`
    /// is left out, so it is always written.
    public struct Compare: Codable, Sendable {
        public var key: Data
        public var target: String
        public var result: String
        public var mod_revision: Int64String?
        public var version: Int64String?

        public init(key: Data, target: String, result: String, mod_revision: Int64String? = nil, version: Int64String? = nil) {
            self.key = key
            self.target = target
            self.result = result
            self.mod_revision = mod_revision
            self.version = version
        }

        /// The key was last changed at `revision` (0: the key does not exist).
        public static func modified(_ key: String, at revision: Int64) -> Compare {
            Compare(key: Data(key.utf8), target: "MOD", result: "EQUAL", mod_revision: Int64String(revision))
        }

        /// The key exists.
        public static func exists(_ key: String) -> Compare {
            Compare(key: Data(key.utf8), target: "MOD", result: "GREATER", mod_revision: Int64String(0))
        }
    }

    public struct RequestOp: Codable, Sendable {
        public var request_range: RangeRequest?
        public var request_put: PutRequest?
        public var request_delete_range: DeleteRangeRequest?

        public static func get(_ key: String) -> RequestOp { RequestOp(request_range: RangeRequest(key: Data(key.utf8))) }
        public static func put(_ key: String, _ value: Data) -> RequestOp {
            RequestOp(request_put: PutRequest(key: Data(key.utf8), value: value, prev_kv: true))
        }
        public static func delete(_ key: String) -> RequestOp {
            RequestOp(request_delete_range: DeleteRangeRequest(key: Data(key.utf8), prev_kv: true))
        }
    }

    public struct ResponseOp: Codable, Sendable {
        public var response_range: RangeResponse?
        public var response_put: PutResponse?
        public var response_delete_range: DeleteRangeResponse?
    }

    public struct TxnRequest: Codable, Sendable {
        public var compare: [Compare]
        public var success: [RequestOp]
        public var failure: [RequestOp]

        public init(compare: [Compare], success: [RequestOp], failure: [RequestOp]) {
            self.compare = compare
            self.success = success
            self.failure = failure
        }
    }

    public struct TxnResponse: Codable, Sendable {
        public var header: Header?
        public var succeeded: Bool?
        public var responses: [ResponseOp]?
    }

    public struct CompactionRequest: Codable, Sendable {
        public var revision: Int64String
        public var physical: Bool?
    }

    public struct CompactionResponse: Codable, Sendable {
        public var header: Header?
    }

    public struct WatchCreateRequest: Codable, Sendable {
        public var key: Data
        public var range_end: Data?
        public var start_revision: Int64String?
        public var prev_kv: Bool?
        public var progress_notify: Bool?

        public init(key: Data, range_end: Data? = nil, start_revision: Int64String? = nil, prev_kv: Bool? = nil, progress_notify: Bool? = nil) {
            self.key = key
            self.range_end = range_end
            self.start_revision = start_revision
            self.prev_kv = prev_kv
            self.progress_notify = progress_notify
        }
    }

    public struct WatchRequest: Codable, Sendable {
        public var create_request: WatchCreateRequest
    }

    public struct Event: Codable, Sendable {
        /// Left out for a put; `DELETE` for a deletion.
        public var type: String?
        public var kv: KeyValue
        public var prev_kv: KeyValue?

        public var isDelete: Bool { self.type == "DELETE" }
    }

    /// One message of a watch's stream: its creation, events, a progress note (header
    /// only), or its cancellation (with the compacted revision when it started too early).
    public struct WatchResponse: Codable, Sendable {
        public var header: Header?
        public var created: Bool?
        public var canceled: Bool?
        public var compact_revision: Int64String?
        public var cancel_reason: String?
        public var events: [Event]?
    }

    struct WatchLine: Codable, Sendable {
        var result: WatchResponse?
        var error: ErrorBody?
    }

    /// What the gateway answers instead of a response (HTTP 4xx or 5xx): a gRPC code and message.
    public struct ErrorBody: Codable, Sendable {
        public var error: String?
        public var message: String?
        public var code: Int?
    }

    /// The smallest key above every key that starts with `prefix`: a prefix's `range_end`.
    public static func prefixEnd(_ prefix: String) -> Data {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])
    }
}
