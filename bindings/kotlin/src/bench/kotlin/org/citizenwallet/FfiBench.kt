package org.citizenwallet

import java.nio.file.Files

/**
 * One exported call made from Kotlin through the generated bindings, timed exactly as
 * `crates/ffi/benches/calls.rs` times the same call from Rust. Prints `ffi-bench <call> <median
 * ns>` lines for `cargo xtask bench`.
 */
private fun medianNs(perBatch: Int, batches: Int, call: () -> Unit): Double {
    val samples = ArrayList<Double>()
    // Extra warm-up batches let the JIT compile the call path first.
    for (batch in 0 until batches + 10) {
        val start = System.nanoTime()
        repeat(perBatch) { call() }
        if (batch >= 10) samples.add((System.nanoTime() - start).toDouble() / perBatch)
    }
    samples.sort()
    return samples[samples.size / 2]
}

fun main() {
    val dir = Files.createTempDirectory("citizen-wallet-bench")
    val authority = TestAuthority("UK Digital Identity", "GB")
    val area = softwareSecureArea(dir.resolve("keys").toString(), ByteArray(32) { 1 })
    val wallet = Wallet.open(
        dir.resolve("store").toString(), ByteArray(32) { 2 }, area,
        authority.iacaPem(), "", DeviceAuthentication.SIGNATURE,
    )
    val pending = wallet.prepare("uk.gov.digital-id.1")
    wallet.accept(pending, authority.issue(SampleDocument.UK_DIGITAL_ID_AMELIA, pending.deviceKey))
    val verifier = Verifier(authority.iacaPem(), null, null)
    val origin = "https://hr.acme.example"
    // A request answers once, so every timed call verifies its own fresh request and response.
    fun answered(): Pair<VerifierOpenId4VpRequest, String> {
        val request = verifier.openid4vpDcApiRequest(
            listOf(profileRequest("right_to_work", "uk.gov.digital-id.1")), origin, false)
        val session = wallet.startOpenid4vp(request.requestJson(), origin)
        return request to session.approve(session.recommendedSelection()).json
    }
    val (request, response) = answered()
    check(request.verify(response).single().verified) { "the presentation must verify before timing" }
    val pairs = List(20 * (25 + 10)) { answered() }.iterator()

    var sink = 0
    val small = medianNs(2000, 25) { sink += profileRequest("right_to_work", "uk.gov.digital-id.1").items.size }
    println("ffi-bench profile_request ${"%.0f".format(small)}")
    val verify = medianNs(20, 25) { val (r, body) = pairs.next(); sink += r.verify(body).size }
    println("ffi-bench openid4vp_verify ${"%.0f".format(verify)}")
    if (sink == 42) println("")
}
