import NIOCore

/// Reading a message (RFC 1035 §4.1) from its octets. Every length is checked against the
/// message; compression pointers must point strictly backwards (so a chain cannot loop) and
/// a name may not exceed 255 octets however it is assembled. Whatever does not hold is a
/// `DNSWireError`; nothing is read past the message.
struct DNSMessageReader {
    let buffer: ByteBuffer
    /// Absolute index of the message's first octet in `buffer`.
    let base: Int
    let end: Int
    var position: Int

    init(_ buffer: ByteBuffer) {
        self.buffer = buffer
        self.base = buffer.readerIndex
        self.end = buffer.writerIndex
        self.position = buffer.readerIndex
    }

    var remaining: Int { self.end - self.position }

    mutating func u8() throws(DNSWireError) -> UInt8 {
        guard self.remaining >= 1, let v = self.buffer.getInteger(at: self.position, as: UInt8.self) else { throw .truncated }
        self.position += 1
        return v
    }

    mutating func u16() throws(DNSWireError) -> UInt16 {
        guard self.remaining >= 2, let v = self.buffer.getInteger(at: self.position, as: UInt16.self) else { throw .truncated }
        self.position += 2
        return v
    }

    mutating func u32() throws(DNSWireError) -> UInt32 {
        guard self.remaining >= 4, let v = self.buffer.getInteger(at: self.position, as: UInt32.self) else { throw .truncated }
        self.position += 4
        return v
    }

    mutating func bytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, self.remaining >= count, let v = self.buffer.getBytes(at: self.position, length: count) else {
            throw .truncated
        }
        self.position += count
        return v
    }

    /// A possibly compressed name at the current position.
    mutating func name() throws(DNSWireError) -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var cursor = self.position
        // Where reading continues after the name: just past the first pointer, if any.
        var resume: Int?
        // Each pointer must go strictly before the position where the previous one began.
        var limit = cursor
        while true {
            guard cursor < self.end, let length = self.buffer.getInteger(at: cursor, as: UInt8.self) else { throw .truncated }
            switch length & 0xc0 {
            case 0x00:
                if length == 0 {
                    if resume == nil { resume = cursor + 1 }
                    self.position = resume!
                    return DNSName(uncheckedLabels: labels)
                }
                let count = Int(length)
                guard cursor + 1 + count <= self.end, let label = self.buffer.getBytes(at: cursor + 1, length: count) else {
                    throw .truncated
                }
                wireLength += 1 + count
                guard wireLength <= DNSName.maxWireLength else { throw .nameTooLong(wireLength) }
                labels.append(label)
                cursor += 1 + count
            case 0xc0:
                guard cursor + 2 <= self.end, let pointer = self.buffer.getInteger(at: cursor, as: UInt16.self) else { throw .truncated }
                let target = self.base + Int(pointer & 0x3fff)
                guard target < limit else { throw .badPointer(cursor - self.base) }
                if resume == nil { resume = cursor + 2 }
                limit = target
                cursor = target
            default:
                throw .unknownLabelType(length & 0xc0)
            }
        }
    }

    mutating func question() throws(DNSWireError) -> DNSQuestion {
        let name = try self.name()
        let type = DNSType(rawValue: try self.u16())
        let dnsClass = DNSClass(rawValue: try self.u16())
        return DNSQuestion(name: name, type: type, dnsClass: dnsClass)
    }

    /// A record, or the OPT pseudo-record's contents.
    mutating func record() throws(DNSWireError) -> (DNSResourceRecord?, EDNS?) {
        let name = try self.name()
        let type = DNSType(rawValue: try self.u16())
        let rawClass = try self.u16()
        let ttl = try self.u32()
        let length = Int(try self.u16())
        guard self.remaining >= length else { throw .truncated }
        let dataEnd = self.position + length
        if type == .opt {
            guard name == .root else { throw .badOPT }
            var edns = EDNS(udpPayloadSize: rawClass)
            edns.extendedRCode = UInt8(ttl >> 24)
            edns.version = UInt8((ttl >> 16) & 0xff)
            edns.dnssecOK = ttl & 0x8000 != 0
            while self.position < dataEnd {
                let code = try self.u16()
                let count = Int(try self.u16())
                guard self.position + count <= dataEnd else { throw .badRecordData(type: type.rawValue, length: length) }
                edns.options.append(EDNS.Option(code: code, data: try self.bytes(count)))
            }
            return (nil, edns)
        }
        let data: DNSRecordData
        switch type {
        case .a:
            guard length == 4 else { throw .badRecordData(type: type.rawValue, length: length) }
            data = .a(try self.bytes(4))
        case .aaaa:
            guard length == 16 else { throw .badRecordData(type: type.rawValue, length: length) }
            data = .aaaa(try self.bytes(16))
        case .ns: data = .ns(try self.name())
        case .cname: data = .cname(try self.name())
        case .ptr: data = .ptr(try self.name())
        case .mx:
            let preference = try self.u16()
            data = .mx(preference: preference, exchange: try self.name())
        case .soa:
            let mname = try self.name()
            let rname = try self.name()
            data = .soa(SOAData(mname: mname, rname: rname, serial: try self.u32(), refresh: try self.u32(), retry: try self.u32(),
                                expire: try self.u32(), minimum: try self.u32()))
        case .srv:
            let priority = try self.u16()
            let weight = try self.u16()
            let port = try self.u16()
            data = .srv(SRVData(priority: priority, weight: weight, port: port, target: try self.name()))
        case .txt:
            var strings: [[UInt8]] = []
            while self.position < dataEnd {
                let count = Int(try self.u8())
                guard self.position + count <= dataEnd else { throw .badRecordData(type: type.rawValue, length: length) }
                strings.append(try self.bytes(count))
            }
            data = .txt(strings)
        default:
            data = .other(try self.bytes(length))
        }
        guard self.position == dataEnd else { throw .badRecordData(type: type.rawValue, length: length) }
        return (DNSResourceRecord(name: name, type: type, dnsClass: DNSClass(rawValue: rawClass), ttl: ttl, data: data), nil)
    }
}

extension DNSMessage {
    /// Reads the header alone: enough to answer FORMERR to a message whose body is broken.
    public static func readHeader(_ buffer: ByteBuffer) -> (header: DNSHeader, counts: [UInt16])? {
        guard buffer.readableBytes >= 12, let id = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              let flags = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
        let counts = (0..<4).compactMap { buffer.getInteger(at: buffer.readerIndex + 4 + 2 * $0, as: UInt16.self) }
        return (DNSHeader(id: id, flags: flags), counts)
    }

    /// Reads a whole message: exactly the readable bytes, nothing before or after.
    public init(from buffer: ByteBuffer) throws(DNSWireError) {
        guard buffer.readableBytes <= 65535 else { throw .messageTooLong(buffer.readableBytes) }
        var reader = DNSMessageReader(buffer)
        let id = try reader.u16()
        let flags = try reader.u16()
        let qd = try reader.u16(), an = try reader.u16(), ns = try reader.u16(), ar = try reader.u16()
        // Each question takes at least 5 octets and each record 11: counts larger than the
        // message can hold are refused before anything is allocated for them.
        let least = Int(qd) * 5 + (Int(an) + Int(ns) + Int(ar)) * 11
        guard least <= reader.remaining else { throw .truncated }
        self.init(header: DNSHeader(id: id, flags: flags))
        for _ in 0..<qd { self.questions.append(try reader.question()) }
        for (count, section) in [(an, 0), (ns, 1), (ar, 2)] {
            for _ in 0..<count {
                let (record, edns) = try reader.record()
                if let edns {
                    guard section == 2, self.edns == nil else { throw .badOPT }
                    self.edns = edns
                } else if let record {
                    switch section {
                    case 0: self.answers.append(record)
                    case 1: self.authority.append(record)
                    default: self.additional.append(record)
                    }
                }
            }
        }
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
    }
}
