package org.citizenwallet

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest.BodyPublishers
import java.net.http.HttpResponse.BodyHandlers
import kotlin.test.assertEquals

/** An offer from the loopback issuer server: the URI to scan and the code to type. */
data class ServerOffer(val uri: String, val txCode: String)

/**
 * The loopback issuer server's admin endpoints (crate `citizen-wallet-issuer-server`; its
 * contract is in that crate's documentation), which a test uses in place of a department's
 * back office.
 */
class IssuerServer(val url: String) {
    private val http: HttpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()

    private fun call(method: String, path: String, body: String?): String {
        val builder = java.net.http.HttpRequest.newBuilder(URI.create(url + path))
        builder.method(method, if (body == null) BodyPublishers.noBody() else BodyPublishers.ofString(body))
        val response = http.send(builder.build(), BodyHandlers.ofString())
        assertEquals(200, response.statusCode(), "$method $path: ${response.body()}")
        return response.body()
    }

    /** The IACA (PEM): the trust anchor for its credentials and status lists. */
    fun iacaPem(): String = call("GET", "/admin/iaca", null)

    /** A fresh UK digital ID offer for a sample citizen. */
    fun offer(citizen: String = "amelia"): ServerOffer {
        val json = call("POST", "/admin/offer", citizen)
        return ServerOffer(field(json, "offer_uri"), field(json, "tx_code"))
    }

    /** Revokes the document whose copy has status-list index `index` (every copy follows). */
    fun revoke(index: ULong) {
        val json = call("POST", "/admin/revoke", "{\"index\": $index}")
        assertEquals("INVALID", field(json, "status"))
    }

    /** A string field of a flat JSON object (the server's answers), with `\/` unescaped. */
    private fun field(json: String, name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)?.replace("\\/", "/")
            ?: throw AssertionError("no $name in $json")
}
