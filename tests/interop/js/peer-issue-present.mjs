// Issue an mDL with a pinned JS peer, present it, and write the results to <outdir>. Prints
// one line of JSON.
// Usage: node peer-issue-present.mjs <auth0|owf> <outdir> [option...]
//
// auth0: the script makes the IACA + DS (ISO 18013-5 Annex B extensions) and the session
//   transcript, and asks with a presentation definition; it writes device_response.cbor,
//   session_transcript.cbor (tag 24 around the transcript), iaca.pem and ds.pem.
// owf: the suite has written ds.pem + ds_key.pem (its document signer, PKCS #8),
//   device_request.cbor (our DeviceRequest) and session_transcript.cbor; @owf/mdoc issues
//   under that DS and answers that request (Holder.createDeviceResponseForDeviceRequest);
//   the script writes device_response.cbor.
// Both write e_reader_key.pem (the reader's ephemeral private key, PKCS #8) for deviceMac.
// Options: kid (a kid in both unprotected headers), tdate (birth_date as tdate, not full-date),
//          namespaces (a second namespace, requested too), mac (deviceMac, not deviceSignature),
//          oid4vp (auth0 only: the ISO 18013-7 OpenID4VP handover the peer builds),
//          lowids / highids (owf only: its random digest IDs all below 2^31 / all at or above).
import fs from "node:fs";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, webcrypto } from "node:crypto";
import { owfContext } from "./owf-context.mjs";

const [peer, outdir, ...options] = process.argv.slice(2);
const has = (o) => options.includes(o);
fs.mkdirSync(outdir, { recursive: true });
x509.cryptoProvider.set(webcrypto);
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const now = new Date();
const before = new Date(now.getTime() - 864e5);
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
  serialNumber: "01", name: "C=GB, CN=Interop Test IACA", notBefore: before, notAfter: later,
  keys: iacaKeys, signingAlgorithm: alg,
  extensions: [new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ...(await annexB(iacaKeys.publicKey))],
});
const ds = await x509.X509CertificateGenerator.create({
  serialNumber: "02", subject: "C=GB, CN=Interop Test DS", issuer: iaca.subject,
  notBefore: before, notAfter: later, publicKey: dsKeys.publicKey, signingKey: iacaKeys.privateKey,
  signingAlgorithm: alg,
  extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(["1.0.18013.5.1.2"], true),
    ...(await annexB(dsKeys.publicKey)),
    await x509.AuthorityKeyIdentifierExtension.create(iacaKeys.publicKey)],
});
const jwk = async (k) => webcrypto.subtle.exportKey("jwk", k);
const deviceKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
const readerKeys = await webcrypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
const extra = "uk.gov.interop.1";

async function auth0() {
  const { Document, MDoc, DeviceResponse } = await import("@auth0/mdl");
  const { cborEncode, DataItem } = await import("@auth0/mdl/lib/cbor/index.js");
  const iso = { family_name: "Jones", given_name: "Ava", age_over_18: true,
    // A string becomes full-date (tag 1004); a Date object is written as tdate (tag 0).
    birth_date: has("tdate") ? new Date("2007-03-25T00:00:00Z") : "2007-03-25" };
  let document = new Document("org.iso.18013.5.1.mDL").addIssuerNameSpace("org.iso.18013.5.1", iso);
  if (has("namespaces")) document = document.addIssuerNameSpace(extra, { membership: "gold", member_since: 2019 });
  const issued = await document
    // ISO 18013-5 §9.1.2.4: validFrom is not before signed.
    .addValidityInfo({ signed: before, validFrom: before, validUntil: later })
    .addDeviceKeyInfo({ deviceKey: await jwk(deviceKeys.publicKey) })
    .sign({ issuerPrivateKey: await jwk(dsKeys.privateKey), issuerCertificate: ds.toString("pem"), alg: "ES256",
      ...(has("kid") ? { kid: "interop-ds-1" } : {}) });
  const issuerMDoc = new MDoc([issued]).encode();
  const field = (ns, id) => ({ path: [`$['${ns}']['${id}']`], intent_to_retain: false });
  const fields = [field("org.iso.18013.5.1", "family_name"), field("org.iso.18013.5.1", "age_over_18"),
    field("org.iso.18013.5.1", "birth_date"), ...(has("namespaces") ? [field(extra, "membership")] : [])];
  const definition = { id: "interop", input_descriptors: [{ id: "org.iso.18013.5.1.mDL",
    format: { mso_mdoc: { alg: ["ES256"] } }, constraints: { limit_disclosure: "required", fields } }] };
  let response = DeviceResponse.from(issuerMDoc).usingPresentationDefinition(definition);
  let transcript;
  if (has("oid4vp")) {
    response = response.usingSessionTranscriptForOID4VP("mdoc-nonce-1", "verifier.interop.example",
      "https://verifier.interop.example/response", "nonce-1");
  } else {
    transcript = cborEncode(DataItem.fromData([null, null, ["InteropHandover", "nonce-1"]]));
    response = response.usingSessionTranscriptBytes(transcript);
  }
  if (has("mac")) {
    const { COSEKeyFromJWK } = await import("cose-kit");
    response = response.authenticateWithMAC(await jwk(deviceKeys.privateKey),
      COSEKeyFromJWK(await jwk(readerKeys.publicKey)), "HS256");
  } else {
    response = response.authenticateWithSignature(await jwk(deviceKeys.privateKey), "ES256");
  }
  const signed = await response.sign();
  // The peer's OpenID4VP handover (ISO 18013-7 draft: [mdocGeneratedNonce, client_id,
  // response_uri, nonce]), as the builder encoded it.
  if (has("oid4vp")) transcript = response.sessionTranscriptBytes;
  return { response: Buffer.from(signed.encode()), transcript: Buffer.from(transcript),
    iaca: iaca.toString("pem") + "\n", ds: ds.toString("pem") + "\n" };
}

async function owf() {
  const { CoseKey, DateOnly, DeviceKey, DeviceRequest, Holder, Issuer, SignatureAlgorithm } =
    await import("@owf/mdoc");
  const ctx = await owfContext({ digestIds: has("lowids") ? "low" : has("highids") ? "high" : undefined });
  const read = (name) => fs.readFileSync(path.join(outdir, name));
  // The suite's document signer: its certificate and PKCS #8 key.
  const dsCert = new x509.X509Certificate(read("ds.pem").toString("utf8"));
  const dsKey = createPrivateKey(read("ds_key.pem").toString("utf8")).export({ format: "jwk" });
  const kid = (id) => (has("kid") ? { kid: id } : {});
  const iso = { family_name: "Jones", given_name: "Ava", age_over_18: true,
    // DateOnly is full-date (tag 1004); a Date is written as tdate (tag 0).
    birth_date: has("tdate") ? new Date("2007-03-25T00:00:00Z") : new DateOnly("2007-03-25") };
  let issuer = new Issuer("org.iso.18013.5.1.mDL", ctx).addIssuerNamespace("org.iso.18013.5.1", iso);
  if (has("namespaces")) issuer = issuer.addIssuerNamespace(extra, { membership: "gold", member_since: 2019 });
  const devicePublic = await jwk(deviceKeys.publicKey);
  const issuerSigned = await issuer.sign({
    signingKey: { ...dsKey, alg: "ES256", ...kid("interop-ds-1") },
    algorithm: SignatureAlgorithm.ES256,
    digestAlgorithm: "SHA-256",
    // ISO 18013-5 §9.1.2.4: validFrom is not before signed.
    validityInfo: { signed: before, validFrom: before, validUntil: later },
    deviceKeyInfo: { deviceKey: DeviceKey.fromJwk({ kty: devicePublic.kty, crv: devicePublic.crv,
      x: devicePublic.x, y: devicePublic.y }) },
    certificates: [new Uint8Array(dsCert.rawData)],
  });
  // The device key signs (or MACs) with the algorithm its COSE_Key names: @owf/mdoc writes
  // the key's alg into the deviceSignature / deviceMac protected header.
  const devicePrivate = await jwk(deviceKeys.privateKey);
  const signingKey = CoseKey.fromJwk({ kty: devicePrivate.kty, crv: devicePrivate.crv, x: devicePrivate.x,
    y: devicePrivate.y, d: devicePrivate.d, alg: has("mac") ? "HS256" : "ES256", ...kid("interop-device-1") });
  const readerPublic = await jwk(readerKeys.publicKey);
  const response = await Holder.createDeviceResponseForDeviceRequest({
    deviceRequest: DeviceRequest.decode(read("device_request.cbor")),
    sessionTranscript: new Uint8Array(read("session_transcript.cbor")),
    issuerSigned: [issuerSigned],
    ...(has("mac")
      ? { mac: { signingKey, ephemeralKey: CoseKey.fromJwk({ kty: readerPublic.kty, crv: readerPublic.crv,
        x: readerPublic.x, y: readerPublic.y }) } }
      : { signature: { signingKey } }),
  }, ctx);
  return { response: Buffer.from(response.encode()),
    ...(has("mac") ? { report: { mac_structure_items: ctx.macStructureItems, conformant_tag: ctx.conformantTag } } : {}) };
}

let out;
try {
  out = await ({ auth0, owf })[peer]();
} catch (e) {
  console.log(JSON.stringify({ peer, ok: false, error: String(e?.message ?? e).slice(0, 300) }));
  process.exit(1);
}
const write = (name, bytes) => fs.writeFileSync(path.join(outdir, name), bytes);
write("device_response.cbor", out.response);
if (out.transcript) write("session_transcript.cbor", out.transcript);
if (out.iaca) write("iaca.pem", out.iaca);
if (out.ds) write("ds.pem", out.ds);
if (has("mac")) {
  write("e_reader_key.pem",
    createPrivateKey({ key: await jwk(readerKeys.privateKey), format: "jwk" }).export({ type: "pkcs8", format: "pem" }));
}
console.log(JSON.stringify({ peer, ok: true, outdir, options, ...out.report }));
