//! DeviceResponse and what it carries (ISO 18013-5 §8.3.2.1.2.2): IssuerSigned items with
//! their bytes as issued, DeviceSigned, and errors.

use super::{ElementMap, check_version, expected};
use crate::cbor::{
    ByteString, CborError, FieldMap, FromCbor, MapRest, Tagged, ToCbor, Value, text_map,
    text_map_value,
};

/// The mdoc's answer to a DeviceRequest.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceResponse {
    /// Version, "1.0".
    pub version: String,
    /// The documents returned.
    pub documents: Option<Vec<Document>>,
    /// Documents requested but not returned, with an error code each.
    pub document_errors: Option<Vec<DocumentError>>,
    /// Response status (see [`ResponseStatus`]).
    pub status: u64,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// DeviceResponse status codes (ISO 18013-5 Table 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseStatus {
    /// 0: OK.
    Ok = 0,
    /// 10: general error.
    GeneralError = 10,
    /// 11: CBOR decoding error.
    CborDecodingError = 11,
    /// 12: CBOR validation error.
    CborValidationError = 12,
}

/// DocumentError = {DocType => ErrorCode}: one entry per document not returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// The document type not returned.
    pub doc_type: String,
    /// The error code (0: data not returned).
    pub code: i64,
}

/// One returned document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document type.
    pub doc_type: String,
    /// The issuer-signed items and the issuer's signature.
    pub issuer_signed: IssuerSigned,
    /// The device-signed items and the device authentication.
    pub device_signed: DeviceSigned,
    /// Elements requested but not returned: namespace -> element -> error code.
    pub errors: Option<ElementMap<i64>>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// IssuerNameSpaces: namespace -> IssuerSignedItemBytes, each kept as issued.
pub type IssuerNameSpaces = Vec<(String, Vec<Tagged<IssuerSignedItem>>)>;

/// The issuer-signed part of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerSigned {
    /// The disclosed items per namespace.
    pub name_spaces: Option<IssuerNameSpaces>,
    /// issuerAuth: COSE_Sign1 over MobileSecurityObjectBytes, kept as a CBOR value.
    pub issuer_auth: Value,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// One issuer-signed data element.
#[derive(Clone, PartialEq)]
pub struct IssuerSignedItem {
    /// The digest ID, the key of this item's digest in the MSO.
    pub digest_id: u64,
    /// The random salt (at least 16 bytes).
    pub random: Vec<u8>,
    /// The element identifier.
    pub element_identifier: String,
    /// The element value.
    pub element_value: Value,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl std::fmt::Debug for IssuerSignedItem {
    /// Names the element, never its value (personal data) or salt.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerSignedItem")
            .field("digest_id", &self.digest_id)
            .field("element_identifier", &self.element_identifier)
            .finish_non_exhaustive()
    }
}

/// DeviceNameSpaces: namespace -> element -> value, signed by the device.
pub type DeviceNameSpaces = ElementMap<Value>;

/// The device-signed part of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSigned {
    /// DeviceNameSpacesBytes, kept as received (device authentication covers them).
    pub name_spaces: Tagged<DeviceNameSpacesMap>,
    /// The device's signature or MAC.
    pub device_auth: DeviceAuth,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// DeviceNameSpaces as a CBOR-mapped type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceNameSpacesMap(pub DeviceNameSpaces);

/// DeviceAuth: exactly one of a signature or a MAC, as COSE structures in CBOR values.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceAuth {
    /// deviceSignature: COSE_Sign1 with detached payload.
    Signature(Value),
    /// deviceMac: COSE_Mac0 with detached payload.
    Mac(Value),
}

impl DeviceResponse {
    /// A version 1.0 response with status OK.
    pub fn new(documents: Vec<Document>, document_errors: Vec<DocumentError>) -> Self {
        DeviceResponse {
            version: "1.0".to_owned(),
            documents: (!documents.is_empty()).then_some(documents),
            document_errors: (!document_errors.is_empty()).then_some(document_errors),
            status: ResponseStatus::Ok as u64,
            rest: MapRest::default(),
        }
    }
}

impl IssuerSigned {
    /// Every disclosed item as (namespace, item).
    pub fn items(&self) -> impl Iterator<Item = (&str, &Tagged<IssuerSignedItem>)> {
        self.name_spaces
            .iter()
            .flatten()
            .flat_map(|(ns, items)| items.iter().map(move |item| (ns.as_str(), item)))
    }
}

impl FromCbor for DeviceResponse {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceResponse")?;
        let version: String = f.required("version")?;
        check_version(&version, "DeviceResponse version")?;
        Ok(DeviceResponse {
            version,
            documents: f.optional("documents")?,
            document_errors: f.optional("documentErrors")?,
            status: f.required("status")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DeviceResponse {
    fn to_cbor(&self) -> Value {
        let mut known = vec![(Value::text("version"), Value::text(self.version.clone()))];
        if let Some(documents) = &self.documents {
            known.push((Value::text("documents"), documents.to_cbor()));
        }
        if let Some(errors) = &self.document_errors {
            known.push((Value::text("documentErrors"), errors.to_cbor()));
        }
        known.push((Value::text("status"), Value::Unsigned(self.status)));
        self.rest.build(known)
    }
}

impl FromCbor for DocumentError {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        match text_map::<i64>(value, "DocumentError")?.as_slice() {
            [(doc_type, code)] => Ok(DocumentError {
                doc_type: doc_type.clone(),
                code: *code,
            }),
            _ => Err(expected("DocumentError", "map with one entry")),
        }
    }
}

impl ToCbor for DocumentError {
    fn to_cbor(&self) -> Value {
        Value::Map(vec![(
            Value::text(self.doc_type.clone()),
            Value::int(self.code),
        )])
    }
}

fn nested_map<V: FromCbor>(
    value: &Value,
    context: &'static str,
) -> Result<ElementMap<V>, CborError> {
    text_map::<Value>(value, context)?
        .iter()
        .map(|(ns, inner)| Ok((ns.clone(), text_map(inner, context)?)))
        .collect()
}

fn nested_map_value<V: ToCbor>(map: &[(String, Vec<(String, V)>)]) -> Value {
    let outer: Vec<(String, Value)> = map
        .iter()
        .map(|(ns, inner)| (ns.clone(), text_map_value(inner)))
        .collect();
    text_map_value(&outer)
}

impl FromCbor for Document {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "Document")?;
        let doc_type = f.required("docType")?;
        let issuer_signed = f.required("issuerSigned")?;
        let device_signed = f.required("deviceSigned")?;
        let errors = f
            .value("errors")
            .map(|v| nested_map(v, "Document errors"))
            .transpose()?;
        Ok(Document {
            doc_type,
            issuer_signed,
            device_signed,
            errors,
            rest: f.finish(),
        })
    }
}

impl ToCbor for Document {
    fn to_cbor(&self) -> Value {
        let mut known = vec![
            (Value::text("docType"), Value::text(self.doc_type.clone())),
            (Value::text("issuerSigned"), self.issuer_signed.to_cbor()),
            (Value::text("deviceSigned"), self.device_signed.to_cbor()),
        ];
        if let Some(errors) = &self.errors {
            known.push((Value::text("errors"), nested_map_value(errors)));
        }
        self.rest.build(known)
    }
}

impl FromCbor for IssuerSigned {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "IssuerSigned")?;
        let name_spaces = f
            .value("nameSpaces")
            .map(|v| text_map::<Vec<Tagged<IssuerSignedItem>>>(v, "IssuerNameSpaces"))
            .transpose()?;
        let issuer_auth = f.required("issuerAuth")?;
        Ok(IssuerSigned {
            name_spaces,
            issuer_auth,
            rest: f.finish(),
        })
    }
}

impl ToCbor for IssuerSigned {
    fn to_cbor(&self) -> Value {
        let mut known = Vec::new();
        if let Some(name_spaces) = &self.name_spaces {
            known.push((Value::text("nameSpaces"), text_map_value(name_spaces)));
        }
        known.push((Value::text("issuerAuth"), self.issuer_auth.clone()));
        self.rest.build(known)
    }
}

impl FromCbor for IssuerSignedItem {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "IssuerSignedItem")?;
        let digest_id = f.required("digestID")?;
        let random = f.required::<ByteString>("random")?.0;
        let element_identifier = f.required("elementIdentifier")?;
        let element_value = f.required("elementValue")?;
        Ok(IssuerSignedItem {
            digest_id,
            random,
            element_identifier,
            element_value,
            // Items travel as IssuerSignedItemBytes and are re-sent as received (Tagged keeps
            // the bytes), so the typed item keeps no key order: one allocation per key for
            // every item was what let many small items amplify memory ~12.8x.
            rest: f.finish_unordered(),
        })
    }
}

impl ToCbor for IssuerSignedItem {
    fn to_cbor(&self) -> Value {
        self.rest.build(vec![
            (Value::text("digestID"), Value::Unsigned(self.digest_id)),
            (Value::text("random"), Value::Bytes(self.random.clone())),
            (
                Value::text("elementIdentifier"),
                Value::text(self.element_identifier.clone()),
            ),
            (Value::text("elementValue"), self.element_value.clone()),
        ])
    }
}

impl FromCbor for DeviceSigned {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceSigned")?;
        Ok(DeviceSigned {
            name_spaces: f.required("nameSpaces")?,
            device_auth: f.required("deviceAuth")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DeviceSigned {
    fn to_cbor(&self) -> Value {
        self.rest.build(vec![
            (Value::text("nameSpaces"), self.name_spaces.to_cbor()),
            (Value::text("deviceAuth"), self.device_auth.to_cbor()),
        ])
    }
}

impl FromCbor for DeviceNameSpacesMap {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        Ok(DeviceNameSpacesMap(nested_map(value, "DeviceNameSpaces")?))
    }
}

impl ToCbor for DeviceNameSpacesMap {
    fn to_cbor(&self) -> Value {
        nested_map_value(&self.0)
    }
}

impl FromCbor for DeviceAuth {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let entries = value.as_map().ok_or(expected("DeviceAuth", "map"))?;
        match entries {
            [(key, cose)] if key.as_text() == Some("deviceSignature") => {
                Ok(DeviceAuth::Signature(cose.clone()))
            }
            [(key, cose)] if key.as_text() == Some("deviceMac") => {
                Ok(DeviceAuth::Mac(cose.clone()))
            }
            _ => Err(CborError::InvalidValue {
                context: "DeviceAuth (exactly one of deviceSignature, deviceMac)",
            }),
        }
    }
}

impl ToCbor for DeviceAuth {
    fn to_cbor(&self) -> Value {
        let (key, cose) = match self {
            DeviceAuth::Signature(cose) => ("deviceSignature", cose),
            DeviceAuth::Mac(cose) => ("deviceMac", cose),
        };
        Value::Map(vec![(Value::text(key), cose.clone())])
    }
}
