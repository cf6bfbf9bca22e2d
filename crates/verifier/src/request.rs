//! Requests: what to ask for, and reader authentication.

use mdoc::auth::{reader_authentication_all_bytes, reader_authentication_bytes};
use mdoc::cbor::{MapRest, Tagged, ToCbor, Value};
use mdoc::cose::{CoseError, CoseSign1, Payload};
use mdoc::definitions::{
    DeviceRequest, DeviceRequestInfo, DocRequest, DocRequestInfo, ItemsRequest, SessionTranscript,
    UseCase,
};
use mdoc::profiles::{Purpose, profile};
use p256::ecdsa::SigningKey;

/// The reader's signing key and certificate chain (leaf first) for reader authentication.
#[derive(Clone)]
pub struct ReaderKey {
    signing_key: SigningKey,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ReaderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderKey")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl ReaderKey {
    /// A reader key from its private key and certificate chain (DER, leaf first).
    pub fn new(signing_key: SigningKey, chain: Vec<Vec<u8>>) -> Self {
        ReaderKey { signing_key, chain }
    }
}

/// The request for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// The doc type.
    pub doc_type: String,
    /// (namespace, identifier, intent to retain).
    pub elements: Vec<(String, String, bool)>,
    /// The purpose declared in requestInfo, if any.
    pub purpose: Option<Purpose>,
}

impl DocumentRequest {
    /// The request a purpose profile prescribes for `doc_type`.
    pub fn for_purpose(purpose: Purpose, doc_type: &str) -> Self {
        DocumentRequest {
            doc_type: doc_type.to_owned(),
            elements: profile(purpose).request_elements(doc_type),
            purpose: Some(purpose),
        }
    }

    /// A custom request.
    pub fn custom(doc_type: &str, elements: &[(&str, &str, bool)]) -> Self {
        DocumentRequest {
            doc_type: doc_type.to_owned(),
            elements: elements
                .iter()
                .map(|(ns, id, r)| ((*ns).to_owned(), (*id).to_owned(), *r))
                .collect(),
            purpose: None,
        }
    }

    /// Adds an element (for example to build an over-asking request in a test or demo).
    pub fn with_element(
        mut self,
        namespace: &str,
        identifier: &str,
        intent_to_retain: bool,
    ) -> Self {
        self.elements.push((
            namespace.to_owned(),
            identifier.to_owned(),
            intent_to_retain,
        ));
        self
    }

    /// The ItemsRequest for this document.
    pub fn items_request(&self) -> ItemsRequest {
        let mut name_spaces: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        for (ns, id, retain) in &self.elements {
            match name_spaces.iter_mut().find(|(n, _)| n == ns) {
                Some((_, ids)) => ids.push((id.clone(), *retain)),
                None => name_spaces.push((ns.clone(), vec![(id.clone(), *retain)])),
            }
        }
        let mut items = ItemsRequest::new(self.doc_type.clone(), name_spaces);
        if let Some(purpose) = self.purpose {
            items.request_info = Some(vec![("purpose".to_owned(), Value::text(purpose.id()))]);
        }
        items
    }
}

/// The DeviceRequest for `requests`, with reader authentication over `transcript` when a
/// reader key is given.
pub fn build_device_request(
    requests: &[DocumentRequest],
    transcript: &SessionTranscript,
    reader: Option<&ReaderKey>,
) -> Result<DeviceRequest, CoseError> {
    let transcript_value = transcript.to_cbor();
    let doc_requests = requests
        .iter()
        .map(|r| {
            let items_request = Tagged::new(r.items_request());
            let reader_auth = reader
                .map(|key| {
                    let payload =
                        reader_authentication_bytes(&transcript_value, items_request.embedded());
                    CoseSign1::sign(
                        &key.signing_key,
                        payload.encoded(),
                        Payload::Detached,
                        &key.chain,
                    )
                    .map(|s| s.to_cbor())
                })
                .transpose()?;
            Ok(DocRequest {
                items_request,
                reader_auth,
                rest: MapRest::default(),
            })
        })
        .collect::<Result<_, CoseError>>()?;
    Ok(DeviceRequest::new(doc_requests))
}

/// A second-edition (DeviceRequest version 1.1) request: each document with its DocRequestInfo
/// (alternative elements, issuer identifiers, unique document sets, maximum response size),
/// the request's use cases, and how the reader signs it. Send one only to a wallet whose
/// engagement advertises ExtendedRequestSupport (see
/// [`ReaderSession::wallet_supports_second_edition`](crate::ReaderSession::wallet_supports_second_edition));
/// a first-edition wallet gets [`build_device_request`]'s 1.0 request.
#[derive(Debug, Clone, Default)]
pub struct SecondEditionRequest {
    /// The documents, in DocRequest order, each with its DocRequestInfo.
    pub documents: Vec<(DocumentRequest, DocRequestInfo)>,
    /// Use cases; their document sets index `documents`. Empty: no deviceRequestInfo is sent.
    pub use_cases: Vec<UseCase>,
    /// With a reader key: one readerAuthAll signature over the whole request (true) or a
    /// readerAuth per DocRequest (false).
    pub reader_auth_all: bool,
}

/// The version 1.1 DeviceRequest for `request`, signed over `transcript` when a reader key is
/// given (readerAuthAll over ReaderAuthenticationAllBytes, or readerAuth per DocRequest).
pub fn build_second_edition_request(
    request: &SecondEditionRequest,
    transcript: &SessionTranscript,
    reader: Option<&ReaderKey>,
) -> Result<DeviceRequest, CoseError> {
    let transcript_value = transcript.to_cbor();
    let sign = |key: &ReaderKey, payload: &[u8]| {
        CoseSign1::sign(&key.signing_key, payload, Payload::Detached, &key.chain)
            .map(|s| s.to_cbor())
    };
    let per_document = reader.filter(|_| !request.reader_auth_all);
    let doc_requests = request
        .documents
        .iter()
        .map(|(document, info)| {
            let mut items = document.items_request();
            items.set_doc_request_info(info);
            let items_request = Tagged::new(items);
            let reader_auth = per_document
                .map(|key| {
                    let payload =
                        reader_authentication_bytes(&transcript_value, items_request.embedded());
                    sign(key, payload.encoded())
                })
                .transpose()?;
            Ok(DocRequest {
                items_request,
                reader_auth,
                rest: MapRest::default(),
            })
        })
        .collect::<Result<_, CoseError>>()?;
    let info = (!request.use_cases.is_empty()).then(|| DeviceRequestInfo {
        use_cases: request.use_cases.clone(),
        rest: MapRest::default(),
    });
    let mut device_request = DeviceRequest::second_edition(doc_requests, info);
    if let Some(key) = reader.filter(|_| request.reader_auth_all) {
        let payload = reader_authentication_all_bytes(
            &transcript_value,
            device_request
                .doc_requests
                .iter()
                .map(|d| d.items_request.embedded()),
            device_request
                .device_request_info
                .as_ref()
                .map(|i| i.embedded()),
        );
        device_request.reader_auth_all = Some(vec![sign(key, payload.encoded())?]);
    }
    Ok(device_request)
}
