// Issue an mDL with a pinned JS peer (suite-made IACA + DS), present it with the peer's
// defaults, and write device_response.cbor, session_transcript.cbor, iaca.pem to <outdir>.
// Usage: node peer-issue-present.mjs auth0 <outdir>
import fs from "node:fs";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

const [peer, outdir] = process.argv.slice(2);
fs.mkdirSync(outdir, { recursive: true });
x509.cryptoProvider.set(webcrypto);
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const now = new Date();
const later = new Date(now.getTime() + 365 * 864e5);
// The extensions ISO 18013-5 Annex B requires on both the IACA and the document signer.
async function annexB(publicKey) {
  return [
    new x509.IssuerAlternativeNameExtension([{ type: "url", value: "https://interop.example/iaca" }]),
    new x509.CRLDistributionPointsExtension(["https://interop.example/crl"]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
}
const iacaKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
const dsKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
const iaca = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: "01", name: "C=GB, CN=Interop Test IACA", notBefore: now, notAfter: later,
  keys: iacaKeys, signingAlgorithm: alg,
  extensions: [new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ...(await annexB(iacaKeys.publicKey))],
});
const ds = await x509.X509CertificateGenerator.create({
  serialNumber: "02", subject: "C=GB, CN=Interop Test DS", issuer: iaca.subject,
  notBefore: now, notAfter: later, publicKey: dsKeys.publicKey, signingKey: iacaKeys.privateKey,
  signingAlgorithm: alg,
  extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(["1.0.18013.5.1.2"], true),
    ...(await annexB(dsKeys.publicKey)),
    await x509.AuthorityKeyIdentifierExtension.create(iacaKeys.publicKey)],
});
const jwk = async (k) => webcrypto.subtle.exportKey("jwk", k);
const deviceKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);

async function auth0() {
  const { Document, MDoc, DeviceResponse } = await import("@auth0/mdl");
  const { cborEncode, DataItem } = await import("@auth0/mdl/lib/cbor/index.js");
  const issued = await new Document("org.iso.18013.5.1.mDL")
    .addIssuerNameSpace("org.iso.18013.5.1", { family_name: "Jones", given_name: "Ava", birth_date: "2007-03-25", age_over_18: true })
    .addValidityInfo({ signed: now })
    .addDeviceKeyInfo({ deviceKey: await jwk(deviceKeys.publicKey) })
    .sign({ issuerPrivateKey: await jwk(dsKeys.privateKey), issuerCertificate: ds.toString("pem"), alg: "ES256" });
  const issuerMDoc = new MDoc([issued]).encode();
  const transcript = cborEncode(DataItem.fromData([null, null, ["InteropHandover", "nonce-1"]]));
  const definition = { id: "age", input_descriptors: [{ id: "org.iso.18013.5.1.mDL", format: { mso_mdoc: { alg: ["ES256"] } },
    constraints: { limit_disclosure: "required", fields: [
      { path: ["$['org.iso.18013.5.1']['family_name']"], intent_to_retain: false },
      { path: ["$['org.iso.18013.5.1']['age_over_18']"], intent_to_retain: false }] } }] };
  const response = await DeviceResponse.from(issuerMDoc).usingPresentationDefinition(definition)
    .usingSessionTranscriptBytes(transcript)
    .authenticateWithSignature(await jwk(deviceKeys.privateKey), "ES256").sign();
  return { response: Buffer.from(response.encode()), transcript: Buffer.from(transcript) };
}

const { response, transcript } = await ({ auth0 })[peer]();
fs.writeFileSync(path.join(outdir, "device_response.cbor"), response);
fs.writeFileSync(path.join(outdir, "session_transcript.cbor"), transcript);
fs.writeFileSync(path.join(outdir, "iaca.pem"), iaca.toString("pem") + "\n");
fs.writeFileSync(path.join(outdir, "ds.pem"), ds.toString("pem") + "\n");
console.log(JSON.stringify({ peer, ok: true, outdir }));
