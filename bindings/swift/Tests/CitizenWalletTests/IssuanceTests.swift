import CitizenWallet
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Synchronous HTTP over URLSession (FoundationNetworking on Linux), as an app's networking
/// layer would send what the core asks for.
enum Http {
    struct Failure: Error { let reason: String }

    /// The completion handler's result, handed across threads (read after the semaphore).
    final class Outcome: @unchecked Sendable {
        var result: Result<(HTTPURLResponse, Data), Error> = .failure(Failure(reason: "no answer"))
    }

    static func exchange(_ request: URLRequest) throws -> (HTTPURLResponse, Data) {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error = error {
                outcome.result = .failure(error)
            } else if let response = response as? HTTPURLResponse {
                outcome.result = .success((response, data ?? Data()))
            }
            done.signal()
        }.resume()
        done.wait()
        return try outcome.result.get()
    }

    static func get(_ url: String) throws -> Data {
        let (response, body) = try exchange(URLRequest(url: URL(string: url)!))
        guard response.statusCode == 200 else { throw Failure(reason: "GET \(url): \(response.statusCode)") }
        return body
    }

    static func post(_ url: String, _ body: String) throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        let (response, data) = try exchange(request)
        guard response.statusCode == 200,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(reason: "POST \(url): \(response.statusCode)")
        }
        return json
    }
}

/// Batch issuance over real HTTP (OpenID4VCI, pre-authorized code) from the loopback issuer
/// server xtask starts (`CITIZEN_WALLET_ISSUER_URL`), then status on both sides and a
/// revocation.
final class IssuanceTests: XCTestCase {
    private var server = ""
    /// The last credential response the HTTP layer carried (to learn a status index).
    private var credentialResponse = Data()

    override func setUpWithError() throws {
        server = try XCTUnwrap(ProcessInfo.processInfo.environment["CITIZEN_WALLET_ISSUER_URL"], "CITIZEN_WALLET_ISSUER_URL is not set")
    }

    private func newWallet() throws -> Wallet {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("citizen-wallet-\(UUID().uuidString)").path
        return try Wallet.open(
            storeDirectory: dir + "/store", walletKey: Data(repeating: 4, count: 32),
            secureArea: try CountingSecureArea(directory: dir + "/keys"),
            issuerAnchorsPem: String(decoding: try Http.get(server + "/admin/iaca"), as: UTF8.self),
            readerAnchorsPem: "", deviceAuthentication: .signature)
    }

    private func send(_ request: HttpRequest) throws -> (HTTPURLResponse, Data) {
        var urlRequest = URLRequest(url: URL(string: request.url)!)
        urlRequest.httpMethod = request.method
        for header in request.headers { urlRequest.addValue(header.value, forHTTPHeaderField: header.name) }
        if !request.body.isEmpty { urlRequest.httpBody = request.body }
        let (response, body) = try Http.exchange(urlRequest)
        if request.url.hasSuffix("/credential") { credentialResponse = body }
        return (response, body)
    }

    // README: swift-issuance
    private func issue(wallet: Wallet, offer: String, txCode: String) throws -> CredentialSummary {
        let options = IssuanceOptions(batchSize: 5, policy: .oneTimeUse, refreshBelow: 2)
        let session = try wallet.startIssuanceInsecureLoopback(offer: offer, options: options) // apps: startIssuance (https only)
        while true {
            switch try session.nextStep() {
            case .send(let request):
                let (response, body) = try send(request)
                let headers = response.allHeaderFields.map { HttpHeader(name: "\($0.key)", value: "\($0.value)") }
                try session.handleResponse(status: UInt16(response.statusCode), headers: headers, body: body)
            case .needTxCode:
                try session.provideTxCode(code: txCode) // what the citizen types
            case .openBrowser:
                XCTFail("a pre-authorized offer needs no browser step")
                throw IssuanceError.WrongState
            case .wait(let seconds):
                Thread.sleep(forTimeInterval: TimeInterval(seconds))
            case .done(let credential):
                return credential
            }
        }
    }
    // README: end

    /// The status-list index of the first copy in the last credential response.
    private func issuedIndex() throws -> UInt64 {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: credentialResponse) as? [String: Any])
        let credentials = try XCTUnwrap(json["credentials"] as? [[String: Any]])
        var base64 = try XCTUnwrap(credentials.first?["credential"] as? String)
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return try XCTUnwrap(try statusListIndex(issuerSigned: try XCTUnwrap(Data(base64Encoded: base64))))
    }

    /// A right-to-work check by `verifier`, fetching the status lists its report asks for.
    private func check(wallet: Wallet, verifier: Verifier) throws -> VerificationReport {
        let session = wallet.startPresentation()
        let readerSession = try verifier.startSession(qrUri: session.qrUri())
        guard case .consent = session.handle(message: try readerSession.request(documents: [try profileRequest(purpose: "right_to_work", docType: "uk.gov.digital-id.1")])) else {
            throw Http.Failure(reason: "expected a consent request")
        }
        let pending = try readerSession.receiveResponse(message: try session.approve(selection: try session.recommendedSelection()))
        for uri in pending.statusUris() {
            XCTAssertNil(pending.offerStatus(uri: uri, token: try Http.get(uri)))
        }
        return pending.finish()
    }

    private func notRevoked(_ report: VerificationReport) throws -> CheckResult {
        try XCTUnwrap(report.documents.first?.checks.first { $0.name == "Credential not revoked" })
    }

    func testBatchIssuanceOverHttpThenRevocationSeenByVerifierAndWallet() throws {
        let offer = try Http.post(server + "/admin/offer", "tomasz")
        let wallet = try newWallet()
        let summary = try issue(wallet: wallet, offer: try XCTUnwrap(offer["offer_uri"] as? String), txCode: try XCTUnwrap(offer["tx_code"] as? String))
        XCTAssertEqual(summary.docType, "uk.gov.digital-id.1")
        XCTAssertEqual(summary.copiesLeft, 5)
        XCTAssertEqual(summary.policy, .oneTimeUse)
        XCTAssertFalse(summary.refreshNeeded)

        // README: swift-status
        for uri in wallet.statusReferences() {
            _ = try wallet.updateStatus(uri: uri, token: try Http.get(uri))
        }
        XCTAssertEqual(wallet.credentials().first?.status?.state, .valid)
        // README: end
        XCTAssertTrue(wallet.statusReferences().allSatisfy { $0.hasPrefix(server) })

        let iaca = String(decoding: try Http.get(server + "/admin/iaca"), as: UTF8.self)
        let first = try check(wallet: wallet, verifier: try Verifier(issuerAnchorsPem: iaca, readerPrivateKeyPkcs8: nil, readerChainPem: nil))
        XCTAssertTrue(first.verified)
        XCTAssertTrue(try notRevoked(first).passed)
        XCTAssertEqual(wallet.credentials().first?.copiesLeft, 4)

        let revoked = try Http.post(server + "/admin/revoke", "{\"index\": \(try issuedIndex())}")
        XCTAssertEqual(revoked["status"] as? String, "INVALID")
        let second = try check(wallet: wallet, verifier: try Verifier(issuerAnchorsPem: iaca, readerPrivateKeyPkcs8: nil, readerChainPem: nil))
        XCTAssertTrue(second.authentic && !second.verified)
        XCTAssertFalse(try notRevoked(second).passed)
        XCTAssertTrue(try notRevoked(second).detail.contains("revoked"))

        for uri in wallet.statusReferences() {
            _ = try wallet.updateStatus(uri: uri, token: try Http.get(uri))
        }
        XCTAssertEqual(wallet.credentials().first?.status?.state, .revoked)
    }

    func testAWrongTransactionCodeIsRefusedAndNothingIsStored() throws {
        let offer = try Http.post(server + "/admin/offer", "amelia")
        let wallet = try newWallet()
        XCTAssertThrowsError(try issue(wallet: wallet, offer: try XCTUnwrap(offer["offer_uri"] as? String), txCode: "000000")) { error in
            XCTAssertTrue("\(error)".contains("invalid_grant"), "\(error)")
        }
        XCTAssertTrue(wallet.credentials().isEmpty)
    }
}
