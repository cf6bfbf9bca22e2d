//! `inspect`: recognise an mdoc message and describe it as an annotated tree.
//!
//! The walker in [`crate::diag`] supplies byte offsets; the core crates confirm the message type
//! (so a tree is only labelled "DeviceResponse" when the core would accept it as one), supply
//! element names from the doc-type registry, and parse certificates.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mdoc::cbor::{self, FromCbor, Value};
use mdoc::cose::{CoseKey, CoseMac0, CoseSign1};
use mdoc::definitions::{
    DeviceAuth, DeviceEngagement, DeviceRequest, DeviceResponse, IssuerSigned,
    MobileSecurityObject, SessionData, SessionEstablishment, SessionTranscript,
};
use mdoc::registry;
use mdoc::x509::{Certificate, EKU_DOCUMENT_SIGNER, EKU_READER_AUTH};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use crate::diag::{self, DiagError, Kind, Node};

/// What `inspect` found: the message type and its annotated tree.
pub struct Inspection {
    /// The recognised message type.
    pub message_type: &'static str,
    /// How the input was carried (binary CBOR, an `mdoc:` URI, PEM, hex, base64url, JSON).
    pub carried_as: &'static str,
    /// The annotated tree (see [`crate::render`] for its shape).
    pub tree: Json,
}

/// Recognises `input` and builds its annotated tree.
pub fn inspect(input: &[u8]) -> Result<Inspection, DiagError> {
    let (carried_as, bytes) = unwrap_text(input)?;
    if carried_as == "PEM" {
        return Ok(Inspection {
            message_type: "certificate chain",
            carried_as,
            tree: pem_tree(&bytes)?,
        });
    }
    if bytes.first() == Some(&0x30)
        && let Ok(cert) = Certificate::from_der(&bytes)
    {
        return Ok(Inspection {
            message_type: "certificate (DER)",
            carried_as,
            tree: json!({"offset": 0, "type": "certificate", "notes": certificate_notes(&cert)}),
        });
    }
    let node = diag::parse(&bytes)?;
    let value = cbor::decode(&bytes).map_err(|e| DiagError {
        offset: 0,
        problem: format!("the CBOR is well-formed but refused: {e}"),
    })?;
    let message_type = classify(&node, &value, &bytes)?;
    let mut annotator = Annotator {
        input: &bytes,
        doc_type: find_text(&node, "docType").unwrap_or_default(),
        digests: Vec::new(),
        namespace: String::new(),
    };
    let mut tree = annotator.node(&node, 0);
    if message_type.contains("DeviceEngagement") {
        let map = match tree.get_mut("content") {
            Some(content) => content,
            None => &mut tree,
        };
        label_keys(map, ENGAGEMENT_KEYS);
    }
    label_cose_keys(&mut tree);
    Ok(Inspection {
        message_type,
        carried_as,
        tree,
    })
}

/// Turns text forms (an `mdoc:` URI, PEM, an OpenID4VP vp_token, hex, base64url) into bytes.
fn unwrap_text(input: &[u8]) -> Result<(&'static str, Vec<u8>), DiagError> {
    let Ok(text) = std::str::from_utf8(input) else {
        return Ok(("binary", input.to_vec()));
    };
    let trimmed = text.trim();
    if trimmed.len() >= 5
        && trimmed
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("mdoc:"))
    {
        let engagement = DeviceEngagement::from_qr_uri(trimmed).map_err(|e| DiagError {
            offset: 0,
            problem: format!("expected an mdoc: URI holding base64url DeviceEngagement: {e}"),
        })?;
        return Ok(("mdoc: URI", engagement.content().to_vec()));
    }
    if trimmed.starts_with("-----BEGIN") {
        return Ok(("PEM", trimmed.as_bytes().to_vec()));
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"') {
        return vp_token(trimmed).map(|b| ("OpenID4VP vp_token", b));
    }
    let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(("binary", input.to_vec()));
    }
    if compact.len().is_multiple_of(2)
        && let Ok(bytes) = hex::decode(&compact)
    {
        return Ok(("hex", bytes));
    }
    if let Ok(bytes) = URL_SAFE_NO_PAD.decode(compact.trim_end_matches('=')) {
        return Ok(("base64url", bytes));
    }
    if let Ok(bytes) = STANDARD.decode(&compact) {
        return Ok(("base64", bytes));
    }
    Ok(("binary", input.to_vec()))
}

/// The DeviceResponse bytes of a vp_token: `{"id": ["b64url"]}`, `{"id": "b64url"}`, `["b64url"]`
/// or `"b64url"`. A token with several presentations is refused here rather than half-shown.
fn vp_token(text: &str) -> Result<Vec<u8>, DiagError> {
    let bad = |problem: String| DiagError { offset: 0, problem };
    let json: Json = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "expected JSON (an OpenID4VP vp_token) at line {} column {}",
            e.line(),
            e.column()
        ))
    })?;
    let mut strings = Vec::new();
    collect_strings(&json, &mut strings);
    match strings.as_slice() {
        [one] => URL_SAFE_NO_PAD
            .decode(one.trim_end_matches('='))
            .map_err(|_| bad("expected a base64url DeviceResponse in the vp_token".to_owned())),
        [] => Err(bad(
            "expected a vp_token holding a base64url string".to_owned()
        )),
        _ => Err(bad(format!(
            "the vp_token holds {} presentations; inspect them one at a time",
            strings.len()
        ))),
    }
}

fn collect_strings<'a>(json: &'a Json, out: &mut Vec<&'a str>) {
    match json {
        Json::String(s) => out.push(s),
        Json::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Json::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

fn pem_tree(bytes: &[u8]) -> Result<Json, DiagError> {
    let text = String::from_utf8_lossy(bytes);
    let certs = Certificate::from_pem_chain(&text).map_err(|e| DiagError {
        offset: 0,
        problem: format!("expected PEM certificates: {e}"),
    })?;
    let items: Vec<Json> = certs
        .iter()
        .map(|c| json!({"offset": 0, "type": "certificate", "notes": certificate_notes(c)}))
        .collect();
    Ok(json!({"offset": 0, "type": "array", "items": items, "notes": ["certificate chain"]}))
}

/// Which message `node` is, confirmed by the core parser for that type.
fn classify(node: &Node, value: &Value, bytes: &[u8]) -> Result<&'static str, DiagError> {
    let confirm = |name: &'static str, result: Result<(), String>| {
        result.map(|()| name).map_err(|reason| DiagError {
            offset: node.start,
            problem: format!("expected a valid {name} (its shape matches): {reason}"),
        })
    };
    fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), String> {
        r.map(|_| ()).map_err(|e| e.to_string())
    }
    let has = |key: &str| node.get(key).is_some();
    match &node.kind {
        Kind::Map(entries) => {
            let int_key = |k: u64| entries.iter().any(|(key, _)| key.kind == Kind::Unsigned(k));
            if has("docRequests") {
                confirm("DeviceRequest", ok(DeviceRequest::from_cbor(value)))
            } else if has("documents") || (has("version") && has("status")) {
                confirm("DeviceResponse", ok(DeviceResponse::from_cbor(value)))
            } else if has("eReaderKey") {
                confirm(
                    "SessionEstablishment",
                    ok(SessionEstablishment::from_cbor(value)),
                )
            } else if has("data") || has("status") {
                confirm("SessionData", ok(SessionData::from_cbor(value)))
            } else if has("issuerAuth") {
                confirm("IssuerSigned", ok(IssuerSigned::from_cbor(value)))
            } else if has("deviceMac") || has("deviceSignature") {
                confirm("DeviceAuth", ok(DeviceAuth::from_cbor(value)))
            } else if has("valueDigests") {
                confirm(
                    "MobileSecurityObject",
                    ok(MobileSecurityObject::from_cbor(value)),
                )
            } else if int_key(0) && int_key(1) {
                confirm("DeviceEngagement", ok(DeviceEngagement::parse(bytes)))
            } else if int_key(1) && entries.iter().any(|(k, _)| k.kind == Kind::Negative(0)) {
                confirm("COSE_Key", ok(CoseKey::from_cbor(value)))
            } else {
                Err(not_a_message(node))
            }
        }
        Kind::Embedded(content) => {
            let embedded = value.as_embedded().ok_or_else(|| not_a_message(node))?;
            let inner = embedded.decode().map_err(|_| not_a_message(node))?;
            let kind = classify(content, &inner, embedded.content())?;
            Ok(match kind {
                "DeviceEngagement" => "DeviceEngagementBytes (tag 24)",
                "MobileSecurityObject" => "MobileSecurityObjectBytes (tag 24)",
                "SessionTranscript" => "SessionTranscriptBytes (tag 24)",
                "DeviceRequest" => "DeviceRequest (in tag 24)",
                "DeviceResponse" => "DeviceResponse (in tag 24)",
                "COSE_Key" => "COSE_Key (in tag 24)",
                _ => "an mdoc item in tag 24",
            })
        }
        Kind::Tag(18, _) => confirm("COSE_Sign1", ok(CoseSign1::from_value(value))),
        Kind::Tag(17, _) => confirm("COSE_Mac0", ok(CoseMac0::from_value(value))),
        Kind::Array(items) => match items.as_slice() {
            [_, _, _, sig] if matches!(&sig.kind, Kind::Bytes(b) if b.len() == 32) => {
                confirm("COSE_Mac0", ok(CoseMac0::from_value(value)))
            }
            [_, _, _, _] => confirm("COSE_Sign1", ok(CoseSign1::from_value(value))),
            [_, _, _] => confirm("SessionTranscript", ok(SessionTranscript::from_cbor(value))),
            certs
                if !certs.is_empty() && certs.iter().all(|c| matches!(c.kind, Kind::Bytes(_))) =>
            {
                for cert in certs {
                    if let Kind::Bytes(der) = &cert.kind {
                        Certificate::from_der(der).map_err(|e| DiagError {
                            offset: cert.start,
                            problem: format!("expected a DER certificate in the x5chain: {e}"),
                        })?;
                    }
                }
                Ok("x5chain")
            }
            _ => Err(not_a_message(node)),
        },
        Kind::Bytes(der) => Certificate::from_der(der)
            .map(|_| "x5chain")
            .map_err(|_| not_a_message(node)),
        _ => Err(not_a_message(node)),
    }
}

fn not_a_message(node: &Node) -> DiagError {
    DiagError {
        offset: node.start,
        problem: format!(
            "expected an mdoc message (DeviceEngagement, SessionEstablishment, SessionData, \
             DeviceRequest, DeviceResponse, IssuerSigned, MSO, COSE_Sign1/Mac0, \
             DeviceAuth, COSE_Key, SessionTranscript or x5chain), found {} that is none of them",
            node.type_name()
        ),
    }
}

fn find_text(node: &Node, key: &str) -> Option<String> {
    if let Some(text) = node.get(key).and_then(Node::as_text) {
        return Some(text.to_owned());
    }
    match &node.kind {
        Kind::Array(items) => items.iter().find_map(|i| find_text(i, key)),
        Kind::Map(entries) => entries.iter().find_map(|(_, v)| find_text(v, key)),
        Kind::Tag(_, inner) | Kind::Embedded(inner) => find_text(inner, key),
        _ => None,
    }
}

/// (namespace, digestID, digest) of an MSO in `node`'s subtree, found through COSE payloads.
fn find_digests(input: &[u8], node: &Node, out: &mut Vec<(String, u64, Vec<u8>)>) {
    if let Some(Kind::Map(namespaces)) = node.get("valueDigests").map(|n| &n.kind) {
        for (ns, digests) in namespaces {
            if let (Some(ns), Kind::Map(entries)) = (ns.as_text(), &digests.kind) {
                for (id, digest) in entries {
                    if let (Kind::Unsigned(id), Kind::Bytes(d)) = (&id.kind, &digest.kind) {
                        out.push((ns.to_owned(), *id, d.clone()));
                    }
                }
            }
        }
        return;
    }
    match &node.kind {
        Kind::Array(items) => {
            for item in items {
                find_digests(input, item, out);
                if let Some(inner) = bytes_content(input, item) {
                    find_digests(input, &inner, out);
                }
            }
        }
        Kind::Map(entries) => entries
            .iter()
            .for_each(|(_, v)| find_digests(input, v, out)),
        Kind::Tag(_, inner) | Kind::Embedded(inner) => find_digests(input, inner, out),
        _ => {}
    }
}

/// The CBOR item a byte string holds (a COSE protected header or payload), with offsets in
/// the input; `None` when the bytes are not exactly one item.
fn bytes_content(input: &[u8], node: &Node) -> Option<Node> {
    let Kind::Bytes(b) = &node.kind else {
        return None;
    };
    if b.is_empty() {
        return None;
    }
    let start = node.end - b.len();
    let sub = input.get(start..node.end)?;
    let mut parsed = diag::parse(sub).ok()?;
    shift(&mut parsed, start);
    Some(parsed)
}

fn shift(node: &mut Node, by: usize) {
    node.start += by;
    node.end += by;
    match &mut node.kind {
        Kind::Array(items) => items.iter_mut().for_each(|i| shift(i, by)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, by);
            shift(v, by);
        }),
        Kind::Tag(_, inner) | Kind::Embedded(inner) => shift(inner, by),
        _ => {}
    }
}

/// Summary lines of a certificate: subject, issuer, validity, key usage, EKU.
pub fn certificate_notes(cert: &Certificate) -> Vec<String> {
    let mut subject = Vec::new();
    if let Some(cn) = cert.subject_common_name() {
        subject.push(format!("CN={cn}"));
    }
    if let Some(o) = cert.subject_organization() {
        subject.push(format!("O={o}"));
    }
    if let Some(c) = cert.subject_country() {
        subject.push(format!("C={c}"));
    }
    let mut usage = Vec::new();
    if cert.can_sign_certificates() {
        usage.push("keyCertSign");
    }
    if cert.can_sign_data() {
        usage.push("digitalSignature");
    }
    let mut eku = Vec::new();
    if cert.has_extended_key_usage(EKU_DOCUMENT_SIGNER) {
        eku.push("mdoc document signer (1.0.18013.5.1.2)");
    }
    if cert.has_extended_key_usage(EKU_READER_AUTH) {
        eku.push("mdoc reader authentication (1.0.18013.5.1.6)");
    }
    let ca = match cert.basic_constraints() {
        Some((true, _)) => "CA",
        _ => "end entity",
    };
    vec![
        format!("certificate: subject {}", subject.join(", ")),
        format!(
            "issuer CN={}",
            cert.issuer_common_name()
                .unwrap_or_else(|| "(none)".to_owned())
        ),
        format!(
            "valid {} to {}",
            cert.not_before().to_rfc3339(),
            cert.not_after().to_rfc3339()
        ),
        format!(
            "{ca}; key usage {}; EKU {}",
            if usage.is_empty() {
                "(none)".to_owned()
            } else {
                usage.join(", ")
            },
            if eku.is_empty() {
                "(none)".to_owned()
            } else {
                eku.join(", ")
            }
        ),
    ]
}

/// Builds the annotated JSON tree, carrying what notes need from enclosing structures.
struct Annotator<'a> {
    input: &'a [u8],
    doc_type: String,
    digests: Vec<(String, u64, Vec<u8>)>,
    namespace: String,
}

impl Annotator<'_> {
    fn node(&mut self, node: &Node, depth: usize) -> Json {
        let mut notes: Vec<String> = Vec::new();
        let mut out = serde_json::Map::new();
        out.insert("offset".into(), json!(node.start));
        out.insert("length".into(), json!(node.end - node.start));
        match &node.kind {
            Kind::Array(items) => {
                out.insert("type".into(), json!("array"));
                let cose = cose_kind(items);
                if let Some(name) = cose {
                    notes.push(name.to_owned());
                }
                let children = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let mut child = self.node(item, depth + 1);
                        if cose.is_some() && matches!(i, 0 | 2) {
                            self.expand_bytes(item, &mut child, depth);
                            let label = if i == 0 {
                                "protected header"
                            } else {
                                "payload"
                            };
                            push_note(&mut child, label);
                        }
                        if cose.is_some() && i == 0 {
                            child.get_mut("content").map(label_header);
                        } else if cose.is_some() && i == 1 {
                            label_header(&mut child);
                        }
                        child
                    })
                    .collect::<Vec<_>>();
                out.insert("items".into(), Json::Array(children));
            }
            Kind::Map(entries) => {
                out.insert("type".into(), json!("map"));
                if node.get("issuerAuth").is_some() {
                    self.digests.clear();
                    find_digests(self.input, node, &mut self.digests);
                }
                let list = entries
                    .iter()
                    .map(|(k, v)| {
                        // An IssuerNameSpaces entry: namespace => [IssuerSignedItemBytes].
                        if let (Some(ns), Kind::Array(items)) = (k.as_text(), &v.kind)
                            && items.iter().all(|i| matches!(i.kind, Kind::Embedded(_)))
                        {
                            self.namespace = ns.to_owned();
                        }
                        let key = self.node(k, depth + 1);
                        let value = self.node(v, depth + 1);
                        json!({"key": key, "value": value})
                    })
                    .collect::<Vec<_>>();
                out.insert("entries".into(), Json::Array(list));
                let int_key = |k: Kind| entries.iter().any(|(key, _)| key.kind == k);
                if int_key(Kind::Unsigned(1)) && int_key(Kind::Negative(0)) {
                    notes.push("COSE_Key".to_owned());
                }
                if let Some(id) = node.get("elementIdentifier").and_then(Node::as_text) {
                    notes.push(self.element_note(id));
                }
            }
            Kind::Tag(tag, inner) => {
                out.insert("type".into(), json!("tag"));
                out.insert("tag".into(), json!(tag));
                out.insert("content".into(), self.node(inner, depth + 1));
                if let Some(name) = tag_name(*tag) {
                    notes.push(name.to_owned());
                }
            }
            Kind::Embedded(inner) => {
                out.insert("type".into(), json!("embedded"));
                out.insert("tag".into(), json!(24));
                out.insert("content".into(), self.node(inner, depth + 1));
                if inner.get("digestID").is_some() {
                    notes.push(self.digest_note(node, inner));
                }
            }
            Kind::Bytes(b) => {
                out.insert("type".into(), json!("bytes"));
                out.insert("value".into(), json!(diag::leaf(node)));
                if b.first() == Some(&0x30)
                    && let Ok(cert) = Certificate::from_der(b)
                {
                    notes.extend(certificate_notes(&cert));
                }
            }
            _ => {
                let kind = match node.kind {
                    Kind::Unsigned(_) => "uint",
                    Kind::Negative(_) => "nint",
                    Kind::Text(_) => "text",
                    Kind::Float(_) => "float",
                    _ => "simple",
                };
                out.insert("type".into(), json!(kind));
                out.insert("value".into(), json!(diag::leaf(node)));
            }
        }
        if !notes.is_empty() {
            out.insert("notes".into(), json!(notes));
        }
        Json::Object(out)
    }

    /// Shows a COSE protected header or payload byte string as the item it holds.
    fn expand_bytes(&mut self, item: &Node, child: &mut Json, depth: usize) {
        if let Some(inner) = bytes_content(self.input, item)
            && let Json::Object(map) = child
        {
            map.insert("content".into(), self.node(&inner, depth + 1));
        }
    }

    fn element_note(&self, id: &str) -> String {
        let label = registry::label(&self.doc_type, &self.namespace, id);
        match registry::element(&self.doc_type, &self.namespace, id) {
            Some(def) => format!("element {label} ({:?})", def.value_type),
            None => format!(
                "element {label} (not in the registry for {})",
                self.doc_type
            ),
        }
    }

    /// Recomputes SHA-256 over the IssuerSignedItemBytes as received and compares it with the
    /// MSO's digest for its namespace and digestID.
    fn digest_note(&self, node: &Node, item: &Node) -> String {
        let Some(Kind::Unsigned(id)) = item.get("digestID").map(|n| &n.kind) else {
            return "digest: digestID is not an unsigned integer".to_owned();
        };
        let bytes = self.input.get(node.start..node.end).unwrap_or_default();
        let actual = Sha256::digest(bytes);
        match self
            .digests
            .iter()
            .find(|(ns, d, _)| *ns == self.namespace && d == id)
        {
            Some((_, _, expected)) if expected.as_slice() == actual.as_slice() => {
                "digest ok".to_owned()
            }
            Some(_) => "digest BAD: SHA-256 of the item differs from the MSO's".to_owned(),
            None if self.digests.is_empty() => "digest not checked (no MSO here)".to_owned(),
            None => format!(
                "digest BAD: the MSO has no digest {id} in {}",
                self.namespace
            ),
        }
    }
}

fn push_note(json: &mut Json, note: &str) {
    if let Json::Object(map) = json {
        let notes = map.entry("notes").or_insert_with(|| json!([]));
        if let Json::Array(list) = notes {
            list.insert(0, json!(note));
        }
    }
}

fn cose_kind(items: &[Node]) -> Option<&'static str> {
    match items {
        [p, u, _, sig] if matches!(p.kind, Kind::Bytes(_)) && matches!(u.kind, Kind::Map(_)) => {
            match &sig.kind {
                Kind::Bytes(b) if b.len() == 32 => Some("COSE_Mac0"),
                Kind::Bytes(_) => Some("COSE_Sign1"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// DeviceEngagement's map keys (ISO 18013-5 §8.2.1.1, 18013-7).
const ENGAGEMENT_KEYS: &[(&str, &str)] = &[
    ("0", "version"),
    ("1", "security"),
    ("2", "deviceRetrievalMethods"),
    ("3", "serverRetrievalMethods"),
    ("4", "protocolInfo"),
    ("5", "originInfos"),
    ("6", "capabilities"),
];

/// COSE header parameters (RFC 9052 §3.1).
const HEADER_KEYS: &[(&str, &str)] = &[("1", "alg"), ("4", "kid"), ("33", "x5chain")];

/// COSE_Key parameters (RFC 9052 §7, RFC 9053 §7.1.1).
const KEY_KEYS: &[(&str, &str)] = &[("1", "kty"), ("-1", "crv"), ("-2", "x"), ("-3", "y")];

/// Names the COSE header parameters of a header map's annotated tree.
fn label_header(map: &mut Json) {
    label_keys(map, HEADER_KEYS);
}

/// Names the parameters of every COSE_Key in an annotated subtree.
fn label_cose_keys(json: &mut Json) {
    let is_key = json
        .get("notes")
        .and_then(Json::as_array)
        .is_some_and(|n| n.iter().any(|n| n == "COSE_Key"));
    if is_key {
        label_keys(json, KEY_KEYS);
    }
    for field in ["items", "entries"] {
        if let Some(Json::Array(children)) = json.get_mut(field) {
            for child in children {
                match child.get_mut("value") {
                    Some(value) if field == "entries" => label_cose_keys(value),
                    _ => label_cose_keys(child),
                }
            }
        }
    }
    if let Some(content) = json.get_mut("content") {
        label_cose_keys(content);
    }
}

/// Adds the name of each key found in `table` to its value's notes.
fn label_keys(map: &mut Json, table: &[(&str, &str)]) {
    let Some(Json::Array(entries)) = map.get_mut("entries") else {
        return;
    };
    for entry in entries {
        let key = entry
            .pointer("/key/value")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if let Some((_, label)) = table.iter().find(|(k, _)| *k == key)
            && let Some(value) = entry.get_mut("value")
        {
            push_note(value, label);
        }
    }
}

fn tag_name(tag: u64) -> Option<&'static str> {
    match tag {
        0 => Some("tdate"),
        1004 => Some("full-date"),
        17 => Some("COSE_Mac0"),
        18 => Some("COSE_Sign1"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annex_d(name: &str) -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mdoc/testdata/iso18013-5-annex-d.json"
        );
        let vectors: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        hex::decode(vectors[name]["hex"].as_str().unwrap()).unwrap()
    }

    /// Every truncation and every single-byte change of real messages: an answer or an error
    /// with an offset inside the input, never a panic.
    #[test]
    fn damaged_messages_give_an_answer_or_an_offset() {
        for name in [
            "device_request",
            "session_transcript_bytes",
            "device_engagement",
        ] {
            let message = annex_d(name);
            assert!(inspect(&message).is_ok(), "{name}");
            for len in 0..message.len() {
                if let Err(e) = inspect(&message[..len]) {
                    assert!(e.offset <= len, "{name} cut at {len}: {e}");
                }
            }
            for at in 0..message.len() {
                let mut changed = message.clone();
                changed[at] ^= 0xff;
                if let Err(e) = inspect(&changed) {
                    assert!(e.offset <= changed.len(), "{name} changed at {at}: {e}");
                }
            }
        }
    }
}
