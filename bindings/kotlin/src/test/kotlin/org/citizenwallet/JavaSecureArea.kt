package org.citizenwallet

import java.math.BigInteger
import java.security.KeyFactory
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import javax.crypto.KeyAgreement

/**
 * A secure area written in Kotlin with java.security, the way an app wraps the Android Keystore:
 * keys are generated and used inside the provider; only public keys, signatures and shared
 * secrets leave it. Counts the calls so tests can observe that the core used it.
 */
class JavaSecureArea : SecureArea {
    private val keys = java.util.concurrent.ConcurrentHashMap<String, KeyPair>()
    val calls = java.util.concurrent.ConcurrentHashMap<String, Int>()

    private fun count(op: String) { calls.merge(op, 1, Int::plus) }

    private fun key(alias: String): KeyPair = keys[alias] ?: throw SecureAreaException.KeyNotFound()

    override fun createKey(alias: String): ByteArray {
        count("createKey")
        if (keys.containsKey(alias)) throw SecureAreaException.KeyExists()
        val generator = KeyPairGenerator.getInstance("EC")
        generator.initialize(ECGenParameterSpec("secp256r1"))
        val pair = generator.generateKeyPair()
        keys[alias] = pair
        return sec1(pair.public as ECPublicKey)
    }

    override fun publicKey(alias: String): ByteArray {
        count("publicKey")
        return sec1(key(alias).public as ECPublicKey)
    }

    override fun sign(alias: String, message: ByteArray): ByteArray {
        count("sign")
        val signer = java.security.Signature.getInstance("SHA256withECDSA")
        signer.initSign(key(alias).private)
        signer.update(message)
        return derToRaw(signer.sign())
    }

    override fun keyAgreement(alias: String, peerPublicKey: ByteArray): ByteArray {
        count("keyAgreement")
        val own = key(alias)
        val params = (own.public as ECPublicKey).params
        if (peerPublicKey.size != 65 || peerPublicKey[0] != 4.toByte()) {
            throw SecureAreaException.Failure("peer key is not an uncompressed P-256 point")
        }
        val x = BigInteger(1, peerPublicKey.copyOfRange(1, 33))
        val y = BigInteger(1, peerPublicKey.copyOfRange(33, 65))
        val peer = KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(ECPoint(x, y), params))
        val agreement = KeyAgreement.getInstance("ECDH")
        agreement.init(own.private)
        agreement.doPhase(peer, true)
        return agreement.generateSecret()
    }

    override fun deleteKey(alias: String) {
        count("deleteKey")
        keys.remove(alias)
    }

    override fun listKeys(): List<String> = keys.keys.sorted()

    companion object {
        private fun fixed32(n: BigInteger): ByteArray {
            val bytes = n.toByteArray()
            return when {
                bytes.size == 32 -> bytes
                bytes.size > 32 -> bytes.copyOfRange(bytes.size - 32, bytes.size)
                else -> ByteArray(32 - bytes.size) + bytes
            }
        }

        fun sec1(key: ECPublicKey): ByteArray =
            byteArrayOf(4) + fixed32(key.w.affineX) + fixed32(key.w.affineY)

        /** DER ECDSA-Sig-Value to the 64-byte r||s that COSE uses. */
        fun derToRaw(der: ByteArray): ByteArray {
            var i = 2
            if (der[1].toInt() and 0x80 != 0) i += der[1].toInt() and 0x7f
            fun readInt(): BigInteger {
                check(der[i] == 0x02.toByte()) { "not an INTEGER" }
                val len = der[i + 1].toInt()
                val value = BigInteger(1, der.copyOfRange(i + 2, i + 2 + len))
                i += 2 + len
                return value
            }
            val r = readInt()
            val s = readInt()
            return fixed32(r) + fixed32(s)
        }
    }
}
