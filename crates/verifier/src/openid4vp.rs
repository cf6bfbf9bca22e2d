//! The verifier side of OpenID4VP 1.0 for `mso_mdoc` over the Digital Credentials API
//! (response mode `dc_api`): a DCQL request and the verification of the returned `vp_token`,
//! bound to the origin and nonce by the `OpenID4VPDCAPIHandover` transcript.

use mdoc::cbor;
use mdoc::definitions::{DeviceResponse, SessionTranscript};
use mdoc::online::dcapi::decode_field;
use mdoc::online::openid4vp::dc_api_session_transcript;
use mdoc::time::Timestamp;
use mdoc::x509::TrustAnchors;
use serde_json::{Value as Json, json};

use crate::report::VerificationReport;
use crate::request::DocumentRequest;
use crate::session::VerifierError;
use crate::verify::{VerificationContext, verify_response};

/// The Digital Credentials API protocol identifier for unsigned OpenID4VP requests.
pub const PROTOCOL: &str = "openid4vp-v1-unsigned";

/// An outstanding OpenID4VP request.
#[derive(Debug, Clone)]
pub struct OpenId4VpRequest {
    request_json: String,
    transcript: SessionTranscript,
    requests: Vec<(String, DocumentRequest)>,
}

fn malformed(context: &'static str) -> VerifierError {
    VerifierError::Malformed(cbor::CborError::InvalidValue { context })
}

impl OpenId4VpRequest {
    /// A DCQL request for `requests` from a page served at `origin`, with a fresh nonce.
    pub fn new(requests: &[DocumentRequest], origin: &str) -> Self {
        let nonce = mdoc::online::dcapi::encode_field(&mdoc::rng::random_bytes::<24>());
        let named: Vec<(String, DocumentRequest)> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("q{i}"), r.clone()))
            .collect();
        let credentials: Vec<Json> = named
            .iter()
            .map(|(id, r)| {
                let claims: Vec<Json> = r
                    .elements
                    .iter()
                    .map(|(ns, element, retain)| json!({"path": [ns, element], "intent_to_retain": retain}))
                    .collect();
                json!({"id": id, "format": "mso_mdoc", "meta": {"doctype_value": r.doc_type}, "claims": claims})
            })
            .collect();
        let request_json = json!({
            "response_type": "vp_token",
            "response_mode": "dc_api",
            "nonce": nonce,
            "dcql_query": {"credentials": credentials},
        })
        .to_string();
        OpenId4VpRequest {
            request_json,
            transcript: dc_api_session_transcript(origin, &nonce, None),
            requests: named,
        }
    }

    /// The request for `navigator.credentials.get` (protocol [`PROTOCOL`]).
    pub fn request_json(&self) -> &str {
        &self.request_json
    }

    /// Verifies a `vp_token` (JSON object: credential query id -> [base64url DeviceResponse]),
    /// one report per presentation.
    pub fn verify(
        &self,
        vp_token: &str,
        issuer_anchors: &TrustAnchors,
        now: Timestamp,
    ) -> Result<Vec<VerificationReport>, VerifierError> {
        let token: Json = serde_json::from_str(vp_token).map_err(|_| malformed("vp_token JSON"))?;
        let entries = token
            .as_object()
            .filter(|o| !o.is_empty())
            .ok_or(malformed("vp_token"))?;
        let mut reports = Vec::new();
        for (id, presentations) in entries {
            let (_, request) = self
                .requests
                .iter()
                .find(|(q, _)| q == id)
                .ok_or(malformed("vp_token query id"))?;
            let context = VerificationContext {
                transcript: self.transcript.clone(),
                requests: vec![request.items_request()],
                issuer_anchors: issuer_anchors.clone(),
                now,
                e_reader_key: None,
            };
            for presentation in presentations
                .as_array()
                .ok_or(malformed("vp_token presentations"))?
            {
                let text = presentation
                    .as_str()
                    .ok_or(malformed("vp_token presentation"))?;
                let bytes = decode_field(text).map_err(|_| malformed("vp_token base64url"))?;
                let response: DeviceResponse = cbor::from_slice(&bytes)?;
                reports.push(verify_response(&response, &context));
            }
        }
        Ok(reports)
    }
}
