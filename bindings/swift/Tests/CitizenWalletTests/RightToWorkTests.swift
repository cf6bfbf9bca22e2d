import CitizenWallet
import Foundation
import XCTest

/// A secure area written in Swift. It delegates to the core's software area (Swift on Linux has
/// no Secure Enclave) but every call crosses the boundary into Swift and is counted, the way an
/// app's Secure Enclave class would be called.
final class CountingSecureArea: SecureArea, @unchecked Sendable {
    private let inner: SecureArea
    private let lock = NSLock()
    private(set) var calls: [String: Int] = [:]

    init(directory: String) throws {
        inner = try softwareSecureArea(directory: directory, walletKey: Data(repeating: 5, count: 32))
    }

    private func count(_ op: String) {
        lock.lock()
        calls[op, default: 0] += 1
        lock.unlock()
    }

    func createKey(alias: String) throws -> Data { count("createKey"); return try inner.createKey(alias: alias) }
    func publicKey(alias: String) throws -> Data { count("publicKey"); return try inner.publicKey(alias: alias) }
    func sign(alias: String, message: Data) throws -> Data { count("sign"); return try inner.sign(alias: alias, message: message) }
    func keyAgreement(alias: String, peerPublicKey: Data) throws -> Data {
        count("keyAgreement")
        return try inner.keyAgreement(alias: alias, peerPublicKey: peerPublicKey)
    }
    func deleteKey(alias: String) throws { count("deleteKey"); try inner.deleteKey(alias: alias) }
    func listKeys() throws -> [String] { try inner.listKeys() }
}

final class RightToWorkTests: XCTestCase {
    private func tempDir() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("citizen-wallet-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func testCoreVersion() {
        XCTAssertEqual(coreVersion(), "0.1.0")
    }

    func testRightToWorkDisclosesExactlyTheApprovedSubset() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let dir = tempDir()
        let area = try CountingSecureArea(directory: dir + "/keys")

        // README: swift-present
        let wallet = try Wallet.open(
            storeDirectory: dir + "/store", walletKey: Data(repeating: 3, count: 32), secureArea: area,
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: employer.rootPem,
            deviceAuthentication: .signature)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdTomasz, deviceKey: pending.deviceKey))

        let session = wallet.startPresentation()
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let readerSession = try verifier.startSession(qrUri: session.qrUri())
        let request = try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")
        guard case .consent(let consent) = session.handle(message: try readerSession.request(documents: [request])) else {
            return XCTFail("expected a consent request")
        }
        XCTAssertTrue(consent.verifier.trusted)
        let wanted: Set<String> = ["given_name", "right_to_work", "work_restrictions"]
        let selection = Selection(approved: try session.recommendedSelection().approved.filter { wanted.contains($0.identifier) })
        let report = try readerSession.handleResponse(message: try session.approve(selection: selection))
        // README: end

        // A subset is genuine but not everything asked: authentic, not complete, so not verified.
        XCTAssertTrue(report.authentic)
        XCTAssertFalse(report.complete)
        XCTAssertFalse(report.verified)
        XCTAssertEqual(Set(report.documents[0].elements.map { $0.identifier }), wanted)
        XCTAssertEqual(area.calls["createKey"], 1)
        XCTAssertEqual(area.calls["sign"], 1, "the device signature was made through the Swift secure area")
    }

    func testRemoteCheckOverTheDigitalCredentialsApi() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let dir = tempDir()
        let wallet = try Wallet.open(
            storeDirectory: dir + "/store", walletKey: Data(repeating: 6, count: 32),
            secureArea: try CountingSecureArea(directory: dir + "/keys"),
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: employer.rootPem, deviceAuthentication: .signature)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdAmelia, deviceKey: pending.deviceKey))
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let origin = "https://hr.acme.example"
        let request = try verifier.dcapiRequest(documents: [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")], origin: origin)
        let session = try wallet.startDcapi(requestJson: request.requestJson(), origin: origin)
        XCTAssertTrue(session.consent().verifier.trusted)
        let report = try request.verify(encryptedResponse: try session.approve(selection: session.recommendedSelection()))
        XCTAssertTrue(report.verified)
        let elsewhere = try wallet.startDcapi(requestJson: request.requestJson(), origin: "https://evil.example")
        XCTAssertThrowsError(try request.verify(encryptedResponse: try elsewhere.approve(selection: elsewhere.recommendedSelection())))
    }

    func testRemoteCheckOverOpenId4Vp() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let dir = tempDir()
        let wallet = try Wallet.open(
            storeDirectory: dir + "/store", walletKey: Data(repeating: 7, count: 32),
            secureArea: try CountingSecureArea(directory: dir + "/keys"),
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: "", deviceAuthentication: .signature)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdAmelia, deviceKey: pending.deviceKey))
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: nil, readerChainPem: nil)
        let origin = "https://hr.acme.example"
        let request = try verifier.openid4vpDcApiRequest(
            documents: [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")], origin: origin, encrypted: true)
        let session = try wallet.startOpenid4vp(request: request.requestJson(), origin: origin)
        XCTAssertEqual(session.consent().verifier.origin, origin)
        let response = try session.approve(selection: session.recommendedSelection())
        XCTAssertNil(response.responseUri)
        let reports = try request.verify(response: response.json)
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports[0].verified)
        XCTAssertThrowsError(try request.verify(response: response.json), "a request answers once")
        let other = try verifier.openid4vpDcApiRequest(
            documents: [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")], origin: origin, encrypted: true)
        let elsewhere = try wallet.startOpenid4vp(request: other.requestJson(), origin: "https://evil.example")
        let forged = try elsewhere.approve(selection: elsewhere.recommendedSelection())
        XCTAssertFalse(try other.verify(response: forged.json)[0].verified)
        XCTAssertThrowsError(try other.verify(response: "{}"))
    }

    func testTamperedResponseAndGarbageAreRejected() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let dir = tempDir()
        let area = try CountingSecureArea(directory: dir + "/keys")
        let wallet = try Wallet.open(
            storeDirectory: dir + "/store", walletKey: Data(repeating: 4, count: 32), secureArea: area,
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: "", deviceAuthentication: .mac)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdAmelia, deviceKey: pending.deviceKey))
        let session = wallet.startPresentation()
        let readerSession = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: nil, readerChainPem: nil)
            .startSession(qrUri: session.qrUri())
        _ = session.handle(message: try readerSession.request(documents: [try profileRequest(purpose: "age_over_18", docType: "uk.gov.digital-id.1")]))
        var reply = try session.approve(selection: try session.recommendedSelection())
        XCTAssertEqual(area.calls["keyAgreement"], 1)
        reply[reply.count - 2] ^= 0x01
        XCTAssertThrowsError(try readerSession.handleResponse(message: reply))

        guard case .failed = wallet.startPresentation().handle(message: Data([0xff, 0x00])) else {
            return XCTFail("garbage must fail the session")
        }
        XCTAssertThrowsError(try Verifier(issuerAnchorsPem: "garbage", readerPrivateKeyPkcs8: nil, readerChainPem: nil))
        XCTAssertThrowsError(try wallet.accept(pending: try wallet.prepare(docType: "uk.gov.digital-id.1"), issuerSigned: Data([1, 2, 3])))
        XCTAssertEqual(wallet.credentials().count, 1)
    }
}
