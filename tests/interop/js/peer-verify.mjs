// Verify one of our DeviceResponses with a pinned JS peer; prints one line of JSON.
// Usage: node peer-verify.mjs <auth0|owf> <device_response.cbor> <session_transcript.cbor> <iaca.pem>
import fs from "node:fs";

const [peer, responsePath, transcriptPath, iacaPath] = process.argv.slice(2);
const response = fs.readFileSync(responsePath);
const transcript = fs.readFileSync(transcriptPath);
const iaca = fs.readFileSync(iacaPath, "utf8");

async function auth0() {
  const { Verifier } = await import("@auth0/mdl");
  const verifier = new Verifier([iaca]);
  await verifier.verify(response, { encodedSessionTranscript: transcript });
}

async function owf() {
  const mdoc = await import("@owf/mdoc");
  throw new Error(`owf verifier not wired yet; exports: ${Object.keys(mdoc).join(",")}`);
}

try {
  await ({ auth0, owf })[peer]();
  console.log(JSON.stringify({ peer, ok: true }));
} catch (e) {
  console.log(JSON.stringify({ peer, ok: false, error: String(e?.message ?? e).slice(0, 300) }));
  process.exitCode = 1;
}
