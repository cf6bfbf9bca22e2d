// Verify a DeviceResponse (the peer's default check callback throws at the first failed check) with a pinned JS peer; prints one line of JSON, exit status 0 only
// when the peer accepts it.
// Usage: node peer-verify.mjs <auth0|owf> <dir>
// <dir> holds device_response.cbor, session_transcript.cbor (tag 24 around the transcript),
// iaca.pem and, for deviceMac, e_reader_key.pem (the reader's ephemeral private key, PKCS #8).
import fs from "node:fs";
import path from "node:path";
import { createECDH, createHash, createHmac, createPrivateKey, hkdfSync, webcrypto } from "node:crypto";

const [peer, dir] = process.argv.slice(2);
const read = (name) => fs.readFileSync(path.join(dir, name));
const readerKeyFile = path.join(dir, "e_reader_key.pem");
const readerKey = fs.existsSync(readerKeyFile)
  ? createPrivateKey(fs.readFileSync(readerKeyFile, "utf8")).export({ format: "jwk" }) : undefined;

async function auth0() {
  const { Verifier } = await import("@auth0/mdl");
  const { COSEKeyFromJWK } = await import("cose-kit");
  const verifier = new Verifier([read("iaca.pem").toString("utf8")]);
  await verifier.verify(read("device_response.cbor"), {
    encodedSessionTranscript: read("session_transcript.cbor"),
    ...(readerKey ? { ephemeralReaderKey: COSEKeyFromJWK(readerKey) } : {}),
  });
}

// @owf/mdoc takes its cryptography from the caller (an MdocContext); this one is Node's
// webcrypto plus @peculiar/x509 for certificates.
async function owfContext() {
  const { CoseKey } = await import("@owf/mdoc");
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto);
  const subtle = webcrypto.subtle;
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
  const cert = (der) => new x509.X509Certificate(der);
  const verifyEcdsa = async (jwk, signature, data) =>
    subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await subtle.importKey("jwk", jwk, ecdsa, false, ["verify"]), signature, data);
  return {
    crypto: {
      random: (length) => webcrypto.getRandomValues(new Uint8Array(length)),
      digest: async ({ digestAlgorithm, bytes }) => new Uint8Array(await subtle.digest(digestAlgorithm, bytes)),
      // ISO 18013-5 §9.1.3.5: HKDF-SHA-256 over ECDH, salt = SHA-256(SessionTranscriptBytes).
      calculateEphemeralMacKey: async ({ privateKey, publicKey, sessionTranscriptBytes, info }) => {
        const ecdh = createECDH("prime256v1");
        ecdh.setPrivateKey(Buffer.from(privateKey));
        const ikm = ecdh.computeSecret(Buffer.from(publicKey));
        const salt = createHash("sha256").update(sessionTranscriptBytes).digest();
        const k = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from(info), 32));
        return CoseKey.fromJwk({ kty: "oct", k: k.toString("base64url") });
      },
    },
    cose: {
      sign1: {
        sign: () => { throw new Error("not a signer"); },
        verify: async ({ key, sign1 }) => verifyEcdsa(key.jwk, sign1.signature, sign1.toBeSigned),
      },
      mac0: {
        sign: () => { throw new Error("not a signer"); },
        verify: async ({ mac0, key }) => {
          const tag = createHmac("sha256", Buffer.from(key.jwk.k, "base64url")).update(mac0.toBeAuthenticated).digest();
          return Buffer.from(mac0.tag).equals(tag);
        },
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
}

async function owf() {
  const { DeviceResponse, CoseKey } = await import("@owf/mdoc");
  const x509 = await import("@peculiar/x509");
  const iaca = new x509.X509Certificate(read("iaca.pem").toString("utf8"));
  await DeviceResponse.decode(read("device_response.cbor")).verify({
    trustedCertificates: [new Uint8Array(iaca.rawData)],
    sessionTranscript: read("session_transcript.cbor"),
    ...(readerKey ? { ephemeralReaderKey: CoseKey.fromJwk(readerKey) } : {}),
  }, await owfContext());
}

try {
  await ({ auth0, owf })[peer]();
  console.log(JSON.stringify({ peer, ok: true }));
} catch (e) {
  console.log(JSON.stringify({ peer, ok: false, error: String(e?.message ?? e).slice(0, 300) }));
  process.exitCode = 1;
}
