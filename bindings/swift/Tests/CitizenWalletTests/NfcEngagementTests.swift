import CitizenWallet
import Foundation
import XCTest

/// NFC engagement through the bindings: the wallet's tag and the reader exchange every APDU, the
/// way an app's NFC services would, then a right-to-work check runs over the engaged session.
final class NfcEngagementTests: XCTestCase {
    private let serviceUuid = Data((0..<16).map { UInt8(0x40 + $0) })

    private func presentation(_ authority: TestAuthority, _ employer: ReaderCredential) throws -> PresentationSession {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("citizen-wallet-nfc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let wallet = try Wallet.open(
            storeDirectory: url.path + "/store", walletKey: Data(repeating: 8, count: 32),
            secureArea: try CountingSecureArea(directory: url.path + "/keys"),
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: employer.rootPem, deviceAuthentication: .signature)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdTomasz, deviceKey: pending.deviceKey))
        return wallet.startPresentation()
    }

    private func tap(_ tag: NfcEngagement, _ reader: VerifierNfcEngagement) throws -> Int {
        var command: Data? = try reader.start()
        var apdus = 0
        while let next = command {
            apdus += 1
            if apdus > 100 { XCTFail("the conversation did not end"); return apdus }
            command = try reader.onResponse(response: tag.processApdu(apdu: next))
        }
        return apdus
    }

    private func check(_ negotiated: Bool) throws -> Int {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let session = try presentation(authority, employer)
        let tag = try NfcEngagement(session: session, bleServiceUuid: serviceUuid, negotiated: negotiated)
        XCTAssertEqual(tag.state(), .inProgress)
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let reader = VerifierNfcEngagement(verifier: verifier)
        let apdus = try tap(tag, reader)
        XCTAssertEqual(tag.state(), .complete(bleServiceUuid: serviceUuid))
        let readerSession = try reader.session()
        let request = try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")
        guard case .consent = session.handle(message: try readerSession.request(documents: [request])) else {
            XCTFail("expected a consent request")
            return apdus
        }
        let report = try readerSession.handleResponse(message: try session.approve(selection: try session.recommendedSelection()))
        XCTAssertTrue(report.verified)
        return apdus
    }

    func testStaticHandoverThenARightToWorkCheck() throws {
        XCTAssertEqual(try check(false), 6)
    }

    func testNegotiatedHandoverThenARightToWorkCheck() throws {
        XCTAssertGreaterThan(try check(true), 6)
    }
}
