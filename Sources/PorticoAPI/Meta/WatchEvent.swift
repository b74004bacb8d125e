/// metav1.WatchEvent: one line of a watch stream.
public struct WatchEvent: Codable, Sendable, Hashable {
    public var type: EventType
    public var object: JSON

    public init(type: EventType, object: JSON) {
        self.type = type
        self.object = object
    }

    public struct EventType: StringEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let added: EventType = "ADDED"
        public static let modified: EventType = "MODIFIED"
        public static let deleted: EventType = "DELETED"
        public static let bookmark: EventType = "BOOKMARK"
        public static let error: EventType = "ERROR"
    }
}
