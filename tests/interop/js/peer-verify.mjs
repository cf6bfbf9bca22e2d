// Verify a DeviceResponse (the peer's default check callback throws at the first failed check) with a pinned JS peer; prints one line of JSON, exit status 0 only
// when the peer accepts it.
// Usage: node peer-verify.mjs <auth0|owf> <dir>
// <dir> holds device_response.cbor, session_transcript.cbor (tag 24 around the transcript),
// iaca.pem and, for deviceMac, e_reader_key.pem (the reader's ephemeral private key, PKCS #8).
import fs from "node:fs";
import path from "node:path";
import { createPrivateKey } from "node:crypto";
import { owfContext } from "./owf-context.mjs";

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
