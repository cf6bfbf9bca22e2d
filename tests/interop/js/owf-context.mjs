// @owf/mdoc takes its cryptography from the caller (an MdocContext); this one is Node's
// webcrypto plus @peculiar/x509 for certificates. Used by peer-verify.mjs (verifying) and
// peer-issue-present.mjs (issuing and presenting).
import { createECDH, createHash, createHmac, hkdfSync, webcrypto } from "node:crypto";

// @owf/mdoc 0.6.0 hands calculateEphemeralMacKey raw key bytes when verifying (d, and the
// SEC1 point) but whole COSE_Key encodings when creating a deviceMac (`key.encode()`): take both.
// (A raw d is 32 bytes, a raw point 65 starting 0x04; a COSE_Key is a CBOR map.)
function rawKey(CoseKey, bytes, part) {
  const raw = part === "privateKey" ? bytes.length === 32 : bytes.length === 65 && bytes[0] === 0x04;
  return raw ? bytes : CoseKey.decode(bytes)[part];
}

// A JWK webcrypto imports: only the EC members (@owf/mdoc's `jwk` carries undefined others).
const ecJwk = ({ kty, crv, x, y, d }) => (d ? { kty, crv, x, y, d } : { kty, crv, x, y });

// `digestIds`: "low" or "high" keeps every 4-byte draw (@owf/mdoc's `randomUnsignedInteger`,
// its only use: digest IDs) below 2^31 or at and above it; otherwise they are as drawn.
export async function owfContext({ digestIds } = {}) {
  const { CoseKey, KeyType, cborDecode, cborEncode } = await import("@owf/mdoc");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto);
  const subtle = webcrypto.subtle;
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
  const cert = (der) => new x509.X509Certificate(der);
  const verifyEcdsa = async (jwk, signature, data) =>
    subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await subtle.importKey("jwk", ecJwk(jwk), ecdsa, false, ["verify"]), signature, data);
  // HMAC SHA-256 under a symmetric COSE_Key (its `k`, label -1, as bytes).
  const hmac = (key, data) => createHmac("sha256", Buffer.from(key.k)).update(data).digest();
  const context = {
    // The number of items in the last MAC_structure @owf/mdoc asked to MAC (RFC 9052 §6.3:
    // four, [context, protected, external_aad, payload]).
    macStructureItems: undefined,
    // The tag over the RFC 9052 MAC_structure of the same message (external_aad h'').
    conformantTag: undefined,
    crypto: {
      random: (length) => {
        const bytes = webcrypto.getRandomValues(new Uint8Array(length));
        if (length === 4 && digestIds === "low") bytes[0] &= 0x7f;
        if (length === 4 && digestIds === "high") bytes[0] |= 0x80;
        return bytes;
      },
      digest: async ({ digestAlgorithm, bytes }) => new Uint8Array(await subtle.digest(digestAlgorithm, bytes)),
      // ISO 18013-5 §9.1.3.5: HKDF-SHA-256 over ECDH, salt = SHA-256(SessionTranscriptBytes).
      calculateEphemeralMacKey: async ({ privateKey, publicKey, sessionTranscriptBytes, info }) => {
        const ecdh = createECDH("prime256v1");
        ecdh.setPrivateKey(Buffer.from(rawKey(CoseKey, privateKey, "privateKey")));
        const ikm = ecdh.computeSecret(Buffer.from(rawKey(CoseKey, publicKey, "publicKey")));
        const salt = createHash("sha256").update(sessionTranscriptBytes).digest();
        const k = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from(info), 32));
        return CoseKey.create({ keyType: KeyType.Oct, k: new Uint8Array(k) });
      },
    },
    cose: {
      sign1: {
        // ES256, raw r || s (RFC 9053 §2.1), which is what webcrypto returns.
        sign: async ({ key, toBeSigned }) => new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" },
          await subtle.importKey("jwk", ecJwk(key.jwk), ecdsa, false, ["sign"]), toBeSigned)),
        verify: async ({ key, sign1 }) => verifyEcdsa(key.jwk, sign1.signature, sign1.toBeSigned),
      },
      mac0: {
        sign: async ({ key, toBeAuthenticated }) => {
          context.macStructureItems = toBeAuthenticated[0] - 0x80;
          const items = cborDecode(toBeAuthenticated);
          if (items.length === 3) {
            const [name, protectedBytes, payload] = items;
            context.conformantTag = hmac(key, cborEncode([name, protectedBytes, new Uint8Array(0), payload])).toString("hex");
          }
          return new Uint8Array(hmac(key, toBeAuthenticated));
        },
        verify: async ({ mac0, key }) => Buffer.from(mac0.tag).equals(hmac(key, mac0.toBeAuthenticated)),
      },
    },
    x509: {
      getIssuerNameField: ({ certificate, field }) => cert(certificate).issuerName.getField(field),
      getPublicKey: async ({ certificate }) =>
        CoseKey.fromJwk(await subtle.exportKey("jwk", await cert(certificate).publicKey.export(ecdsa, ["verify"], webcrypto))),
      // Each certificate signed by the next, the last by a trusted one; all valid at `now`.
      verifyCertificateChain: async ({ trustedCertificates, x5chain, now }) => {
        const at = now ?? new Date();
        const chain = x5chain.map(cert);
        const anchors = trustedCertificates.map(cert);
        for (const [i, c] of chain.entries()) {
          if (at < c.notBefore || at > c.notAfter) throw new Error(`certificate ${i} not valid now`);
          const issuers = i + 1 < chain.length ? [chain[i + 1]] : anchors;
          let signed = false;
          for (const issuer of issuers) {
            if (await c.verify({ publicKey: issuer.publicKey, signatureOnly: true }, webcrypto)) signed = true;
          }
          if (!signed) throw new Error(`certificate ${i} not signed by its issuer`);
        }
      },
      getCertificateData: async ({ certificate }) => {
        const c = cert(certificate);
        return { issuerName: c.issuer, subjectName: c.subject, serialNumber: c.serialNumber,
          thumbprint: Buffer.from(await c.getThumbprint(webcrypto)).toString("hex"),
          notBefore: c.notBefore, notAfter: c.notAfter, pem: c.toString("pem") };
      },
    },
  };
  return context;
}
