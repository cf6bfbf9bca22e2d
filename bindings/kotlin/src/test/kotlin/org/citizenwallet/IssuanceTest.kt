package org.citizenwallet

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import java.nio.file.Files
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Batch issuance over real HTTP (OpenID4VCI, pre-authorized code) from the loopback issuer
 * server xtask starts (`CITIZEN_WALLET_ISSUER_URL`), then status: the wallet and the verifier
 * fetch the issuer's status list, the issuer revokes, and both sides see it.
 */
class IssuanceTest {
    private val server = IssuerServer(System.getenv("CITIZEN_WALLET_ISSUER_URL") ?: fail("CITIZEN_WALLET_ISSUER_URL is not set"))
    private val http: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
    /** The last credential response the app's HTTP client carried (to learn a status index). */
    private var credentialResponse: String = ""

    private fun newWallet(iacaPem: String): Wallet {
        val dir = Files.createTempDirectory("citizen-wallet-kotlin-issuance")
        return Wallet.open(dir.resolve("store").toString(), ByteArray(32) { 5 }, JavaSecureArea(), iacaPem, "", DeviceAuthentication.SIGNATURE)
    }

    /** The app's HTTP client: sends what the core asked for, returns what came back. */
    private fun send(request: HttpRequest): java.net.http.HttpResponse<ByteArray> {
        val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url))
        request.headers.forEach { builder.header(it.name, it.value) }
        builder.method(request.method, if (request.body.isEmpty()) BodyPublishers.noBody() else BodyPublishers.ofByteArray(request.body))
        val response = http.send(builder.build(), BodyHandlers.ofByteArray())
        if (request.url.endsWith("/credential")) credentialResponse = String(response.body())
        return response
    }

    /** The status-list index of the first copy in the last credential response. */
    private fun issuedIndex(): ULong {
        val credential = Regex("\"credential\"\\s*:\\s*\"([A-Za-z0-9_-]+)\"").find(credentialResponse)?.groupValues?.get(1)
            ?: fail("no credential in the response")
        return statusListIndex(java.util.Base64.getUrlDecoder().decode(credential)) ?: fail("the credential names no status list")
    }

    private fun get(url: String): ByteArray {
        val response = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).GET().build(), BodyHandlers.ofByteArray())
        assertEquals(200, response.statusCode(), "GET $url")
        return response.body()
    }

    // README: kotlin-issuance
    private fun issue(wallet: Wallet, offer: String, askCitizen: (String?) -> String): CredentialSummary {
        val options = IssuanceOptions(batchSize = 5u, policy = PresentationPolicy.ONE_TIME_USE, refreshBelow = 2u)
        val session = wallet.startIssuanceInsecureLoopback(offer, options) // an app calls startIssuance (https only)
        while (true) {
            when (val step = session.nextStep()) {
                is IssuanceStep.Send -> {
                    val response = send(step.request)
                    val headers = response.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
                    session.handleResponse(response.statusCode().toUShort(), headers, response.body())
                }
                is IssuanceStep.NeedTxCode -> session.provideTxCode(askCitizen(step.description))
                is IssuanceStep.OpenBrowser -> fail("a pre-authorized offer needs no browser step")
                is IssuanceStep.Wait -> Thread.sleep(step.seconds.toLong() * 1000)
                is IssuanceStep.Done -> return step.credential
            }
        }
    }
    // README: end

    /** A right-to-work check by `verifier`, fetching the status lists its report asks for. */
    private fun check(wallet: Wallet, verifier: Verifier): VerificationReport {
        val session = wallet.startPresentation()
        val readerSession = verifier.startSession(session.qrUri())
        val event = session.handle(readerSession.request(listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))))
        assertTrue(event is SessionEvent.Consent, "expected consent, got $event")
        // README: kotlin-status-verifier
        val pending = readerSession.receiveResponse(session.approve(session.recommendedSelection()))
        for (uri in pending.statusUris()) {
            assertNull(pending.offerStatus(uri, get(uri)), "the status list token verifies")
        }
        val report = pending.finish() // now with the "Credential not revoked" check
        // README: end
        return report
    }

    private fun notRevoked(report: VerificationReport): CheckResult =
        report.documents.single().checks.single { it.name == "Credential not revoked" }

    @Test
    fun batchIssuanceOverHttpThenRevocationSeenByVerifierAndWallet() {
        val offer = server.offer()
        val wallet = newWallet(server.iacaPem())
        val summary = issue(wallet, offer.uri) { description ->
            assertNotNull(description)
            offer.txCode
        }
        assertEquals("uk.gov.digital-id.1", summary.docType)
        assertEquals(5u, summary.copiesLeft)
        assertEquals(PresentationPolicy.ONE_TIME_USE, summary.policy)
        assertFalse(summary.refreshNeeded)
        assertEquals(listOf(summary), wallet.credentials())

        // README: kotlin-status-wallet
        for (uri in wallet.statusReferences()) {
            wallet.updateStatus(uri, get(uri))
        }
        val status = wallet.credentials().single().status // VALID / REVOKED / SUSPENDED / UNKNOWN, checkedAt
        // README: end
        assertEquals(CredentialState.VALID, status?.state)
        assertTrue(wallet.statusReferences().all { it.startsWith(server.url) })

        val first = check(wallet, Verifier(server.iacaPem(), null, null))
        assertTrue(first.verified, "report: $first")
        assertTrue(notRevoked(first).passed)
        assertEquals(4u, wallet.credentials().single().copiesLeft, "one single-use copy was used")

        server.revoke(issuedIndex())
        val second = check(wallet, Verifier(server.iacaPem(), null, null))
        assertTrue(second.authentic && !second.verified, "report: $second")
        assertFalse(notRevoked(second).passed)
        assertTrue("revoked" in notRevoked(second).detail, notRevoked(second).detail)

        for (uri in wallet.statusReferences()) {
            wallet.updateStatus(uri, get(uri))
        }
        assertEquals(CredentialState.REVOKED, wallet.credentials().single().status?.state)
    }

    @Test
    fun aWrongTransactionCodeIsRefusedAndNothingIsStored() {
        val offer = server.offer()
        val wallet = newWallet(server.iacaPem())
        val error = kotlin.runCatching { issue(wallet, offer.uri) { "000000" } }.exceptionOrNull()
        assertTrue(error is IssuanceException.Server && error.error == "invalid_grant", "got $error")
        assertTrue(wallet.credentials().isEmpty())
    }
}
