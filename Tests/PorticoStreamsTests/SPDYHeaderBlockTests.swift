import NIOCore
import PorticoStreams
import Testing

@Suite("SPDY header blocks and their compression")
struct SPDYHeaderBlockTests {
    @Test("the dictionary is the 1,423 bytes whose Adler-32 zlib headers name")
    func dictionary() {
        #expect(SPDYHeaderDictionary.bytes.count == 1423)
        #expect(SPDYHeaderDictionary.adler32(of: SPDYHeaderDictionary.bytes) == SPDYHeaderDictionary.adler32)
        #expect(SPDYHeaderDictionary.adler32 == 0xE3C6_A7C2)
        // Starts with the length-prefixed "options", ends with the raw "enq=0.".
        #expect(Array(SPDYHeaderDictionary.bytes.prefix(11)) == [0, 0, 0, 7] + Array("options".utf8))
        #expect(Array(SPDYHeaderDictionary.bytes.suffix(6)) == Array("enq=0.".utf8))
    }

    @Test("uncompressed serialization and parsing")
    func plainBlock() throws {
        let block: SPDYHeaderBlock = ["StreamType": "data", "port": "80", "multi": "a\u{0}b"]
        let bytes = block.serialized()
        #expect(Array(bytes.prefix(8)) == [0, 0, 0, 3, 0, 0, 0, 10])
        #expect(Array(bytes[8..<18]) == Array("streamtype".utf8))   // lowercased on the wire
        let parsed = try SPDYHeaderBlock(parsing: bytes)
        #expect(parsed["streamtype"] == "data")
        #expect(parsed["STREAMTYPE"] == "data")
        #expect(parsed.fields.first { $0.name == "multi" }?.values == ["a", "b"])
        #expect(try SPDYHeaderBlock(parsing: [0, 0, 0, 0]) == SPDYHeaderBlock())
    }

    @Test("malformed plain blocks are refused")
    func malformedPlain() {
        #expect(throws: SPDYError.self) { try SPDYHeaderBlock(parsing: [0, 0]) }
        #expect(throws: SPDYError.self) { try SPDYHeaderBlock(parsing: [0, 0, 0, 1, 0, 0, 0, 9, 0x61]) }
        #expect(throws: SPDYError.self) { try SPDYHeaderBlock(parsing: [0x7F, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: SPDYError.self) { try SPDYHeaderBlock(parsing: [0, 0, 0, 0, 0]) }
        #expect(throws: SPDYError.self) { try SPDYHeaderBlock(parsing: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]) }
    }

    @Test("one zlib context per direction carries over several frames")
    func contextAcrossFrames() throws {
        let compressor = try SPDYHeaderCompressor()
        let decompressor = try SPDYHeaderDecompressor()
        let blocks: [SPDYHeaderBlock] = [
            ["streamtype": "error", "port": "8080", "requestid": "0"],
            ["streamtype": "data", "port": "8080", "requestid": "0"],
            [:],
            ["streamtype": "error", "port": "8080", "requestid": "1"],
            ["long": String(repeating: "x", count: 20_000)],
        ]
        var compressedSizes: [Int] = []
        for (index, block) in blocks.enumerated() {
            let compressed = try compressor.compress(block)
            compressedSizes.append(compressed.count)
            if index == 0 {
                // zlib header: CMF 0x78, FLG with FDICT and level 9 (0xF9), then the dictionary id.
                #expect(Array(compressed.prefix(6)) == [0x78, 0xF9, 0xE3, 0xC6, 0xA7, 0xC2])
            }
            // Every block ends with the sync-flush marker, so the peer can decode it alone.
            #expect(Array(compressed.suffix(4)) == [0x00, 0x00, 0xFF, 0xFF])
            #expect(try decompressor.decompress(compressed) == block)
        }
        // The repeated request compresses better than the first one: the context is shared.
        #expect(compressedSizes[3] < compressedSizes[0])
    }

    @Test("decompresses blocks made by Python's zlib (level 6, header 78 BB) across two frames")
    func pythonVectors() throws {
        let decompressor = try SPDYHeaderDecompressor()
        let first = hexBytes("78bbe3c6a7c202253a703a2b294a4dcc452a4a1221a5721128053359180049ce22481c6682d236a339000000ffff")
        let second = hexBytes("02c963e8644d05451101ad16a00c50a19b5b9a53920962028b178692f27c00000000ffff")
        #expect(try decompressor.decompress(first) == ["streamtype": "data", "port": "80", "requestid": "7"])
        let block = try decompressor.decompress(second)
        #expect(block["requestid"] == "8")
        #expect(block["x-multi"] == "one\u{0}two")
    }

    @Test("a decompression bomb is cut off, and the context stays failed")
    func bomb() throws {
        let compressor = try SPDYHeaderCompressor()
        let decompressor = try SPDYHeaderDecompressor(maximumBlockSize: 1024)
        let big = try compressor.compress(["big": String(repeating: "a", count: 10_000)])
        #expect(big.count < 1024)
        #expect(throws: SPDYError.self) { try decompressor.decompress(big) }
        #expect(throws: SPDYError.compression("header decompressor failed earlier")) {
            try decompressor.decompress(try compressor.compress([:]))
        }
    }
}
