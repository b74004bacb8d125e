import Crypto
import Foundation
import PorticoAPI
import SwiftASN1
import X509

/// The cluster's certificate authority and the API server's serving certificate, made on
/// the first start and kept in the data directory (as kubeadm keeps /etc/kubernetes/pki).
/// A later start reuses them; the serving certificate is remade when the addresses it must
/// name change.
public struct ClusterPKI: Sendable {
    public let caCertificatePEM: String
    public let serverCertificatePEM: String
    public let serverKeyPEM: String

    public static let caCertificateFile = "ca.crt"
    static let caKeyFile = "ca.key"
    static let serverCertificateFile = "apiserver.crt"
    static let serverKeyFile = "apiserver.key"

    /// The names a client may use for the API server: the in-cluster Service names,
    /// localhost, and the addresses given.
    public static func serverNames(addresses: [String], clusterDomain: String = "cluster.local") -> [String] {
        ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.\(clusterDomain)", "localhost"]
            + addresses
    }

    public static func loadOrCreate(directory: String, serverNames: [String]) throws -> ClusterPKI {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let caCertPath = directory + "/" + caCertificateFile
        let caKeyPath = directory + "/" + caKeyFile
        let caKey: P256.Signing.PrivateKey
        let caCertificate: Certificate
        if fm.fileExists(atPath: caCertPath), fm.fileExists(atPath: caKeyPath) {
            caKey = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOfFile: caKeyPath, encoding: .utf8))
            caCertificate = try Certificate(pemEncoded: try String(contentsOfFile: caCertPath, encoding: .utf8))
        } else {
            caKey = P256.Signing.PrivateKey()
            caCertificate = try makeCA(key: caKey)
            try write(caKey.pemRepresentation, to: caKeyPath, mode: 0o600)
            try write(try caCertificate.serializeAsPEM().pemString, to: caCertPath, mode: 0o644)
        }

        let serverCertPath = directory + "/" + serverCertificateFile
        let serverKeyPath = directory + "/" + serverKeyFile
        if fm.fileExists(atPath: serverCertPath), fm.fileExists(atPath: serverKeyPath),
            let existing = try? Certificate(pemEncoded: try String(contentsOfFile: serverCertPath, encoding: .utf8)),
            Set(names(of: existing)) == Set(serverNames), existing.notValidAfter > Date().addingTimeInterval(86400)
        {
            return ClusterPKI(caCertificatePEM: try caCertificate.serializeAsPEM().pemString,
                              serverCertificatePEM: try String(contentsOfFile: serverCertPath, encoding: .utf8),
                              serverKeyPEM: try String(contentsOfFile: serverKeyPath, encoding: .utf8))
        }
        let serverKey = P256.Signing.PrivateKey()
        let serverCertificate = try makeServingCertificate(names: serverNames, key: serverKey, caKey: caKey, ca: caCertificate)
        let certPEM = try serverCertificate.serializeAsPEM().pemString
        try write(serverKey.pemRepresentation, to: serverKeyPath, mode: 0o600)
        try write(certPEM, to: serverCertPath, mode: 0o644)
        return ClusterPKI(caCertificatePEM: try caCertificate.serializeAsPEM().pemString, serverCertificatePEM: certPEM,
                          serverKeyPEM: serverKey.pemRepresentation)
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    static func makeCA(key: P256.Signing.PrivateKey) throws -> Certificate {
        let name = try DistinguishedName { CommonName("portico-ca") }
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
    }

    static func makeServingCertificate(names: [String], key: P256.Signing.PrivateKey, caKey: P256.Signing.PrivateKey,
                                       ca: Certificate) throws -> Certificate {
        let now = Date()
        var alternativeNames: [GeneralName] = []
        for name in names {
            if let ip = IPAddress(name) {
                alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip.bytes))))
            } else {
                alternativeNames.append(.dnsName(name))
            }
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: ca.subject, subject: try DistinguishedName { CommonName("kube-apiserver") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: .init(caKey))
    }

    /// The DNS names and IPs a certificate is valid for.
    static func names(of certificate: Certificate) -> [String] {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name in
            switch name {
            case .dnsName(let dns): return dns
            case .ipAddress(let octets): return IPAddress(bytes: Array(octets.bytes))?.description
            default: return nil
            }
        }
    }
}
