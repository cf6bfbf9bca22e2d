import CitizenWallet
import Foundation
import XCTest

/// The citizen's presentation history and the consent in Welsh, through the Swift bindings.
final class HistoryTests: XCTestCase {
    private func provisionedWallet(_ authority: TestAuthority, _ employer: ReaderCredential) throws -> Wallet {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("citizen-wallet-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let wallet = try Wallet.open(
            storeDirectory: url.path + "/store", walletKey: Data(repeating: 4, count: 32),
            secureArea: try CountingSecureArea(directory: url.path + "/keys"),
            issuerAnchorsPem: authority.iacaPem(), readerAnchorsPem: employer.rootPem,
            deviceAuthentication: .signature)
        let pending = try wallet.prepare(docType: "uk.gov.digital-id.1")
        _ = try wallet.accept(pending: pending, issuerSigned: try authority.issue(document: .ukDigitalIdTomasz, deviceKey: pending.deviceKey))
        return wallet
    }

    private func consentSession(_ wallet: Wallet, _ authority: TestAuthority, _ employer: ReaderCredential) throws -> (PresentationSession, VerifierSession) {
        let session = wallet.startPresentation()
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let readerSession = try verifier.startSession(qrUri: session.qrUri())
        let request = try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")
        guard case .consent = session.handle(message: try readerSession.request(documents: [request])) else {
            throw NSError(domain: "HistoryTests", code: 1)
        }
        return (session, readerSession)
    }

    func testWelshConsentAndAccessibleSentences() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let wallet = try provisionedWallet(authority, employer)
        let (session, _) = try consentSession(wallet, authority, employer)
        let welsh = try session.consentIn(locale: "cy")
        XCTAssertEqual(welsh.documents[0].displayName, "ID digidol y DU")
        XCTAssertEqual(welsh.documents[0].purposeName, "Gwiriad hawl i weithio")
        XCTAssertTrue(welsh.documents[0].elements.contains { $0.label == "Hawl i weithio yn y DU" })
        let spoken = try session.accessibleConsent(locale: "cy-GB")
        XCTAssertTrue(spoken.sentences.contains { $0.hasPrefix("Bydd Acme Ltd yn cael eich dyddiad geni") }, spoken.text)
        XCTAssertTrue(spoken.sentences.allSatisfy { $0.hasSuffix(".") }, spoken.text)
        _ = try session.decline()
        XCTAssertThrowsError(try session.consentIn(locale: "cy"))

        // The remote sessions speak Welsh too.
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let origin = "https://hr.acme.example"
        let documents = [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")]
        let dcapi = try wallet.startDcapi(requestJson: try verifier.dcapiRequest(documents: documents, origin: origin).requestJson(), origin: origin)
        XCTAssertEqual(dcapi.consentIn(locale: "cy").documents[0].displayName, "ID digidol y DU")
        XCTAssertTrue(dcapi.accessibleConsent(locale: "cy").sentences.contains { $0.hasPrefix("Bydd Acme Ltd yn cael") })
        let openid4vp = try wallet.startOpenid4vp(
            request: try verifier.openid4vpDcApiRequest(documents: documents, origin: origin, encrypted: true).requestJson(), origin: origin)
        XCTAssertEqual(openid4vp.consentIn(locale: "cy-GB").documents[0].purposeName, "Gwiriad hawl i weithio")
        let spokenOnline = openid4vp.accessibleConsent(locale: "cy")
        XCTAssertFalse(spokenOnline.sentences.isEmpty)
        XCTAssertTrue(spokenOnline.sentences.allSatisfy { $0.hasSuffix(".") }, spokenOnline.text)
        XCTAssertNotEqual(spokenOnline.text, openid4vp.accessibleConsent(locale: "en").text)
    }

    func testHistoryRecordsIdentifiersPagesExportsAndDeletes() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let wallet = try provisionedWallet(authority, employer)
        let (approved, reader) = try consentSession(wallet, authority, employer)
        _ = try reader.handleResponse(message: try approved.approve(selection: try approved.recommendedSelection()))
        let (declined, _) = try consentSession(wallet, authority, employer)
        _ = try declined.decline()

        let page = try wallet.history(verifier: nil, credentialId: nil, offset: 0, limit: 10, locale: "en")
        XCTAssertEqual(page.total, 3)
        XCTAssertEqual(page.entries.map { $0.outcome }, ["declined", "approved", "issued"])
        let shared = page.entries[1]
        XCTAssertEqual(shared.channel, "proximity")
        XCTAssertEqual(shared.party, "Acme Ltd")
        XCTAssertTrue(shared.documents[0].disclosed.contains("org.iso.18013.5.1/family_name"))
        XCTAssertTrue(shared.sentence.contains("Acme Ltd received from you"), shared.sentence)

        let export = try wallet.exportHistory()
        XCTAssertTrue(export.contains("citizen-wallet-history-1"))
        XCTAssertFalse(export.contains("Kowalski"), "the export holds a value")

        XCTAssertNil(try wallet.historyRetention())
        try wallet.setHistoryRetention(days: 30)
        XCTAssertEqual(try wallet.historyRetention(), 30)
        XCTAssertEqual(try wallet.history(verifier: nil, credentialId: nil, offset: 0, limit: 10, locale: "en").total, 3)

        try wallet.deleteHistoryEntry(id: page.entries[0].id)
        XCTAssertThrowsError(try wallet.deleteHistoryEntry(id: page.entries[0].id))
        XCTAssertEqual(try wallet.deleteHistory(), 2)
        XCTAssertEqual(try wallet.history(verifier: nil, credentialId: nil, offset: 0, limit: 10, locale: "en").total, 0)
    }

    func testRegistrationVerdictOnTheConsentAndInTheHistory() throws {
        let authority = try TestAuthority(name: "UK Digital Identity", country: "GB")
        let employer = try authority.newReader(organization: "Acme Ltd")
        let wallet = try provisionedWallet(authority, employer)
        let verifier = try Verifier(issuerAnchorsPem: authority.iacaPem(), readerPrivateKeyPkcs8: employer.privateKeyPkcs8, readerChainPem: employer.chainPem)
        let origin = "https://hr.acme.example"
        let documents = [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")]
        let request = try verifier.openid4vpDcApiRequest(documents: documents, origin: origin, encrypted: false).requestJson()
        // A registration this wallet cannot verify (not a registration certificate at all).
        let withRegistration = String(request.trimmingCharacters(in: .whitespacesAndNewlines).dropLast())
            + #","verifier_info":[{"format":"rc-wrp+cwt","data":"AQI"}]}"#
        let session = try wallet.startOpenid4vp(request: withRegistration, origin: origin)
        let shown = try XCTUnwrap(session.consentIn(locale: "cy").documents[0].registration)
        XCTAssertEqual(shown.status, "unverified")
        XCTAssertEqual(shown.reason, "malformed")
        XCTAssertTrue(shown.sentences[0].contains("nad oedd modd ei wirio"), shown.sentences.description)
        _ = session.decline()
        let recorded = try wallet.history(verifier: nil, credentialId: nil, offset: 0, limit: 1, locale: "en").entries[0]
        XCTAssertEqual(recorded.documents[0].registration?.status, "unverified")
        XCTAssertTrue(recorded.sentence.hasSuffix("it could not be read."), recorded.sentence)
    }
}
