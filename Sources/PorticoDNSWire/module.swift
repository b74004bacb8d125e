/// PorticoDNSWire: the DNS wire format — names, records, messages, EDNS(0) — read from and
/// written to NIO `ByteBuffer`s, for Portico's cluster DNS server and its forwarder.
///
/// Written for Portico rather than taken from a library: no well-kept Swift DNS codec on
/// NIO exists that covers a server's side (strict reading of hostile input with FORMERR,
/// compression on write, truncation, EDNS). It depends on NIOCore alone, so the fuzz target
/// builds it quickly with sanitizers.
enum PorticoDNSWire {}
