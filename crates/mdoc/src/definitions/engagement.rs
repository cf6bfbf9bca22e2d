//! DeviceEngagement (ISO 18013-5 §8.2.1.1) and the `mdoc:` QR code URI (§8.2.2.3).

use super::{check_version, fixed_array};
use crate::cbor::{self, CborError, Embedded, FieldMap, FromCbor, MapRest, Tagged, ToCbor, Value};
use crate::cose::CoseKey;

/// The URI scheme of an engagement QR code.
pub const QR_SCHEME: &str = "mdoc:";
/// Largest accepted `mdoc:` URI: a QR code holds under 3 KB; this leaves room for options.
pub const MAX_QR_URI_LEN: usize = 8 * 1024;
/// The only cipher suite ISO 18013-5 defines (ECDH P-256, HKDF-SHA256, AES-256-GCM).
pub const CIPHER_SUITE_1: u64 = 1;

/// Why an engagement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngagementError {
    /// The text is not an `mdoc:` URI.
    #[error("not an mdoc: engagement URI")]
    NotMdocUri,
    /// The URI is longer than [`MAX_QR_URI_LEN`].
    #[error("engagement URI is too long")]
    TooLong,
    /// The URI payload is not unpadded base64url.
    #[error("engagement URI payload is not base64url without padding")]
    Base64,
    /// The DeviceEngagement CBOR is malformed.
    #[error("malformed DeviceEngagement: {0}")]
    Cbor(#[from] CborError),
}

/// DeviceEngagement: how a reader reaches the mdoc and the mdoc's ephemeral key.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceEngagement {
    /// Version, "1.0" (or "1.1" with origin infos / capabilities).
    pub version: String,
    /// Cipher suite and EDeviceKey.
    pub security: Security,
    /// Device retrieval methods (BLE, NFC, Wi-Fi Aware), key 2.
    pub device_retrieval_methods: Option<Vec<DeviceRetrievalMethod>>,
    /// Server retrieval methods (web API, OIDC), key 3, kept as received.
    pub server_retrieval_methods: Option<Value>,
    /// Protocol info, key 4, kept as received.
    pub protocol_info: Option<Value>,
    /// Origin infos (ISO 18013-7), key 5, kept as received.
    pub origin_infos: Option<Value>,
    /// Capabilities (second edition), key 6, kept as received.
    pub capabilities: Option<Value>,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

/// Security = [cipher suite, EDeviceKeyBytes].
#[derive(Debug, Clone, PartialEq)]
pub struct Security {
    /// The cipher suite identifier (1).
    pub cipher_suite: u64,
    /// EDeviceKeyBytes: the ephemeral device key, tag 24, bytes as received.
    pub e_device_key: Tagged<CoseKey>,
}

/// DeviceRetrievalMethod = [type, version, options].
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRetrievalMethod {
    /// The method's version.
    pub version: u64,
    /// The method and its options.
    pub options: RetrievalOptions,
}

/// The retrieval method with its options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RetrievalOptions {
    /// Type 1: NFC.
    Nfc(NfcOptions),
    /// Type 2: Bluetooth Low Energy.
    Ble(BleOptions),
    /// Type 3: Wi-Fi Aware.
    WifiAware(WifiAwareOptions),
    /// A type this version does not know, with its options as received.
    Other {
        /// The method type.
        kind: u64,
        /// Its options.
        options: Value,
    },
}

/// BLE options (ISO 18013-5 §8.2.2.1 Table 5).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BleOptions {
    /// Key 0: mdoc peripheral server mode supported.
    pub peripheral_server_mode: Option<bool>,
    /// Key 1: mdoc central client mode supported.
    pub central_client_mode: Option<bool>,
    /// Key 10: UUID for peripheral server mode.
    pub peripheral_server_uuid: Option<Vec<u8>>,
    /// Key 11: UUID for central client mode.
    pub central_client_uuid: Option<Vec<u8>>,
    /// Key 20: the mdoc's BLE device address for peripheral server mode.
    pub peripheral_server_address: Option<Vec<u8>>,
    /// Key 21: the L2CAP PSM for peripheral server mode.
    pub l2cap_psm: Option<u64>,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

/// NFC options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NfcOptions {
    /// Key 0: maximum length of command data.
    pub max_command_data_length: u64,
    /// Key 1: maximum length of response data.
    pub max_response_data_length: u64,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

/// Wi-Fi Aware options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WifiAwareOptions {
    /// Key 0: pass-phrase info.
    pub passphrase: Option<String>,
    /// Key 1: channel info, operating class.
    pub operating_class: Option<u64>,
    /// Key 2: channel info, channel number.
    pub channel_number: Option<u64>,
    /// Key 3: band info, supported bands.
    pub supported_bands: Option<Vec<u8>>,
    /// Unknown keys and the received key order.
    pub rest: MapRest,
}

impl DeviceEngagement {
    /// A version 1.0 engagement for `e_device_key` with the given retrieval methods.
    pub fn new(
        e_device_key: CoseKey,
        device_retrieval_methods: Vec<DeviceRetrievalMethod>,
    ) -> Self {
        DeviceEngagement {
            version: "1.0".to_owned(),
            security: Security {
                cipher_suite: CIPHER_SUITE_1,
                e_device_key: Tagged::new(e_device_key),
            },
            device_retrieval_methods: (!device_retrieval_methods.is_empty())
                .then_some(device_retrieval_methods),
            server_retrieval_methods: None,
            protocol_info: None,
            origin_infos: None,
            capabilities: None,
            rest: MapRest::default(),
        }
    }

    /// Parses DeviceEngagement bytes as received, keeping them: the result's
    /// [`encoded`](Tagged::encoded) is DeviceEngagementBytes for the SessionTranscript.
    pub fn parse(bytes: &[u8]) -> Result<Tagged<DeviceEngagement>, EngagementError> {
        Ok(Tagged::from_embedded(Embedded::wrap(bytes))?)
    }

    /// Parses an `mdoc:` QR code URI, keeping the engagement bytes as received.
    pub fn from_qr_uri(uri: &str) -> Result<Tagged<DeviceEngagement>, EngagementError> {
        if uri.len() > MAX_QR_URI_LEN {
            return Err(EngagementError::TooLong);
        }
        let payload = uri
            .get(..QR_SCHEME.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(QR_SCHEME))
            .and_then(|_| uri.get(QR_SCHEME.len()..))
            .ok_or(EngagementError::NotMdocUri)?;
        let bytes = crate::base64url::decode(payload).map_err(|_| EngagementError::Base64)?;
        Self::parse(&bytes)
    }

    /// The `mdoc:` URI of engagement bytes.
    pub fn qr_uri(engagement: &Tagged<DeviceEngagement>) -> String {
        format!(
            "{QR_SCHEME}{}",
            crate::base64url::encode(engagement.content())
        )
    }

    /// The ephemeral device key.
    pub fn e_device_key(&self) -> &CoseKey {
        self.security.e_device_key.value()
    }

    /// Advertises second-edition `capabilities` (key 6): version "1.1", and OriginInfos (key 5)
    /// present and empty, as ISO 18013-7:2024 readers expect of a 1.1 engagement (multipaz
    /// `DeviceEngagement.toDataItem`). Call before the engagement is wrapped in [`Tagged`].
    pub fn with_capabilities(mut self, capabilities: &Capabilities) -> Self {
        self.version = "1.1".to_owned();
        self.origin_infos = Some(self.origin_infos.unwrap_or(Value::Array(Vec::new())));
        self.capabilities = Some(capabilities.to_cbor());
        self
    }

    /// The capabilities (key 6) read from the received value, leniently: a value that is not a
    /// map of integer keys (some wallets send other shapes) reads as no capabilities, and a
    /// known capability of an unexpected type as unset. The value itself stays in
    /// [`DeviceEngagement::capabilities`] as received, so DeviceEngagementBytes are unchanged.
    pub fn parsed_capabilities(&self) -> Capabilities {
        self.capabilities
            .as_ref()
            .map(Capabilities::read)
            .unwrap_or_default()
    }

    /// The OriginInfos (key 5) read leniently: entries that are not a well-formed OriginInfo
    /// are skipped, and a value that is not an array reads as none; the value itself is kept.
    pub fn parsed_origin_infos(&self) -> Vec<OriginInfo> {
        self.origin_infos
            .as_ref()
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .take(MAX_ORIGIN_INFOS)
                    .filter_map(OriginInfo::read)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Most OriginInfos read from one engagement (the rest are kept, not read).
pub const MAX_ORIGIN_INFOS: usize = 8;

/// Second-edition engagement capabilities (DeviceEngagement key 6), as numbered by the edition
/// (multipaz `org.multipaz.mdoc.engagement.Capability`, A-SIT Plus `Capabilities`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capabilities {
    /// 2: HandoverSessionEstablishmentSupport.
    pub handover_session_establishment: Option<bool>,
    /// 3: ReaderAuthAllSupport: the mdoc verifies readerAuthAll.
    pub reader_auth_all: Option<bool>,
    /// 4: ExtendedRequestSupport: the mdoc understands DeviceRequest version 1.1.
    pub extended_request: Option<bool>,
    /// Other capabilities, as received.
    pub other: Vec<(Value, Value)>,
}

impl Capabilities {
    /// Key of HandoverSessionEstablishmentSupport.
    pub const HANDOVER_SESSION_ESTABLISHMENT: i64 = 2;
    /// Key of ReaderAuthAllSupport.
    pub const READER_AUTH_ALL: i64 = 3;
    /// Key of ExtendedRequestSupport.
    pub const EXTENDED_REQUEST: i64 = 4;
    /// Most entries read from a received capabilities map.
    pub const MAX_ENTRIES: usize = 32;

    /// What this core supports: readerAuthAll and second-edition requests.
    pub fn supported() -> Self {
        Capabilities {
            reader_auth_all: Some(true),
            extended_request: Some(true),
            ..Capabilities::default()
        }
    }

    fn read(value: &Value) -> Self {
        let Some(entries) = value.as_map() else {
            return Capabilities::default();
        };
        let mut capabilities = Capabilities::default();
        for (key, value) in entries.iter().take(Self::MAX_ENTRIES) {
            match key.as_i64() {
                Some(Self::HANDOVER_SESSION_ESTABLISHMENT) => {
                    capabilities.handover_session_establishment = value.as_bool();
                }
                Some(Self::READER_AUTH_ALL) => capabilities.reader_auth_all = value.as_bool(),
                Some(Self::EXTENDED_REQUEST) => capabilities.extended_request = value.as_bool(),
                _ => capabilities.other.push((key.clone(), value.clone())),
            }
        }
        capabilities
    }
}

impl ToCbor for Capabilities {
    fn to_cbor(&self) -> Value {
        let mut entries = optional_entries(vec![
            (
                Self::HANDOVER_SESSION_ESTABLISHMENT,
                self.handover_session_establishment.map(Value::Bool),
            ),
            (Self::READER_AUTH_ALL, self.reader_auth_all.map(Value::Bool)),
            (
                Self::EXTENDED_REQUEST,
                self.extended_request.map(Value::Bool),
            ),
        ]);
        entries.extend(self.other.iter().cloned());
        Value::canonical_map(entries)
    }
}

/// An OriginInfo (ISO 18013-7): `{"cat": uint, "type": uint, "details": any}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginInfo {
    /// Category (1: delivered to the mdoc).
    pub cat: u64,
    /// Type (1: website / domain).
    pub kind: u64,
    /// The domain, when the details carry one (`{"domain": tstr}`).
    pub domain: Option<String>,
}

impl OriginInfo {
    fn read(value: &Value) -> Option<Self> {
        let entries = value.as_map()?;
        let field = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(name))
                .map(|(_, v)| v)
        };
        let domain = field("details")
            .and_then(Value::as_map)
            .and_then(|details| details.iter().find(|(k, _)| k.as_text() == Some("domain")))
            .and_then(|(_, v)| v.as_text())
            .map(str::to_owned);
        Some(OriginInfo {
            cat: field("cat")?.as_u64()?,
            kind: field("type")?.as_u64()?,
            domain,
        })
    }
}

impl FromCbor for DeviceEngagement {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceEngagement")?;
        let version: String = f.required_int(0, "version")?;
        check_version(&version, "DeviceEngagement version")?;
        let security = f.required_int(1, "security")?;
        let device_retrieval_methods = f.optional_int(2)?;
        let server_retrieval_methods = f.optional_int(3)?;
        let protocol_info = f.optional_int(4)?;
        let origin_infos = f.optional_int(5)?;
        let capabilities = f.optional_int(6)?;
        Ok(DeviceEngagement {
            version,
            security,
            device_retrieval_methods,
            server_retrieval_methods,
            protocol_info,
            origin_infos,
            capabilities,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DeviceEngagement {
    fn to_cbor(&self) -> Value {
        let mut known = vec![
            (Value::int(0), Value::text(self.version.clone())),
            (Value::int(1), self.security.to_cbor()),
        ];
        let optional = [
            (
                2,
                self.device_retrieval_methods.as_ref().map(ToCbor::to_cbor),
            ),
            (3, self.server_retrieval_methods.clone()),
            (4, self.protocol_info.clone()),
            (5, self.origin_infos.clone()),
            (6, self.capabilities.clone()),
        ];
        known.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| Some((Value::int(k), v?))),
        );
        self.rest.build(known)
    }
}

impl FromCbor for Security {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let [suite, key] = fixed_array::<2>(value, "Security")?;
        let cipher_suite = u64::from_cbor(suite)?;
        if cipher_suite != CIPHER_SUITE_1 {
            return Err(CborError::InvalidValue {
                context: "Security cipher suite",
            });
        }
        Ok(Security {
            cipher_suite,
            e_device_key: Tagged::from_cbor(key)?,
        })
    }
}

impl ToCbor for Security {
    fn to_cbor(&self) -> Value {
        Value::Array(vec![
            Value::Unsigned(self.cipher_suite),
            self.e_device_key.to_cbor(),
        ])
    }
}

impl FromCbor for DeviceRetrievalMethod {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let [kind, version, options] = fixed_array::<3>(value, "DeviceRetrievalMethod")?;
        let kind = u64::from_cbor(kind)?;
        let version = u64::from_cbor(version)?;
        let options = match kind {
            1 => RetrievalOptions::Nfc(NfcOptions::from_cbor(options)?),
            2 => RetrievalOptions::Ble(BleOptions::from_cbor(options)?),
            3 => RetrievalOptions::WifiAware(WifiAwareOptions::from_cbor(options)?),
            _ => RetrievalOptions::Other {
                kind,
                options: options.clone(),
            },
        };
        Ok(DeviceRetrievalMethod { version, options })
    }
}

impl ToCbor for DeviceRetrievalMethod {
    fn to_cbor(&self) -> Value {
        let (kind, options) = match &self.options {
            RetrievalOptions::Nfc(o) => (1, o.to_cbor()),
            RetrievalOptions::Ble(o) => (2, o.to_cbor()),
            RetrievalOptions::WifiAware(o) => (3, o.to_cbor()),
            RetrievalOptions::Other { kind, options } => (*kind, options.clone()),
        };
        Value::Array(vec![
            Value::Unsigned(kind),
            Value::Unsigned(self.version),
            options,
        ])
    }
}

fn bytes_field(f: &mut FieldMap<'_>, key: i64) -> Result<Option<Vec<u8>>, CborError> {
    Ok(f.optional_int::<cbor::ByteString>(key)?.map(|b| b.0))
}

fn optional_entries(entries: Vec<(i64, Option<Value>)>) -> Vec<(Value, Value)> {
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((Value::int(k), v?)))
        .collect()
}

impl FromCbor for BleOptions {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "BleOptions")?;
        Ok(BleOptions {
            peripheral_server_mode: f.optional_int(0)?,
            central_client_mode: f.optional_int(1)?,
            peripheral_server_uuid: bytes_field(&mut f, 10)?,
            central_client_uuid: bytes_field(&mut f, 11)?,
            peripheral_server_address: bytes_field(&mut f, 20)?,
            l2cap_psm: f.optional_int(21)?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for BleOptions {
    fn to_cbor(&self) -> Value {
        self.rest.build(optional_entries(vec![
            (0, self.peripheral_server_mode.map(Value::Bool)),
            (1, self.central_client_mode.map(Value::Bool)),
            (10, self.peripheral_server_uuid.clone().map(Value::Bytes)),
            (11, self.central_client_uuid.clone().map(Value::Bytes)),
            (20, self.peripheral_server_address.clone().map(Value::Bytes)),
            (21, self.l2cap_psm.map(Value::Unsigned)),
        ]))
    }
}

impl FromCbor for NfcOptions {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "NfcOptions")?;
        Ok(NfcOptions {
            max_command_data_length: f.required_int(0, "max command data length")?,
            max_response_data_length: f.required_int(1, "max response data length")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for NfcOptions {
    fn to_cbor(&self) -> Value {
        self.rest.build(vec![
            (Value::int(0), Value::Unsigned(self.max_command_data_length)),
            (
                Value::int(1),
                Value::Unsigned(self.max_response_data_length),
            ),
        ])
    }
}

impl FromCbor for WifiAwareOptions {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "WifiAwareOptions")?;
        Ok(WifiAwareOptions {
            passphrase: f.optional_int(0)?,
            operating_class: f.optional_int(1)?,
            channel_number: f.optional_int(2)?,
            supported_bands: bytes_field(&mut f, 3)?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for WifiAwareOptions {
    fn to_cbor(&self) -> Value {
        self.rest.build(optional_entries(vec![
            (0, self.passphrase.clone().map(Value::Text)),
            (1, self.operating_class.map(Value::Unsigned)),
            (2, self.channel_number.map(Value::Unsigned)),
            (3, self.supported_bands.clone().map(Value::Bytes)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_engagement_round_trips_through_the_qr_uri() {
        let key = crate::rng::new_p256_secret_key().public_key();
        let ble = BleOptions {
            central_client_mode: Some(true),
            central_client_uuid: Some(vec![7; 16]),
            ..BleOptions::default()
        };
        let engagement = Tagged::new(DeviceEngagement::new(
            CoseKey::new(key),
            vec![DeviceRetrievalMethod {
                version: 1,
                options: RetrievalOptions::Ble(ble),
            }],
        ));
        let uri = DeviceEngagement::qr_uri(&engagement);
        assert!(uri.starts_with("mdoc:"));
        let parsed = DeviceEngagement::from_qr_uri(&uri).unwrap();
        assert_eq!(parsed.encoded(), engagement.encoded());
        assert_eq!(parsed.e_device_key().public_key(), &key);
    }

    #[test]
    fn refuses_bad_uris() {
        assert_eq!(
            DeviceEngagement::from_qr_uri("https://x"),
            Err(EngagementError::NotMdocUri)
        );
        assert_eq!(
            DeviceEngagement::from_qr_uri("mdoc:a+b/"),
            Err(EngagementError::Base64)
        );
        assert_eq!(
            DeviceEngagement::from_qr_uri("mdoc:oQ=="),
            Err(EngagementError::Base64)
        );
        assert!(matches!(
            DeviceEngagement::from_qr_uri("mdoc:oA"),
            Err(EngagementError::Cbor(_))
        ));
        let long = format!("mdoc:{}", "A".repeat(MAX_QR_URI_LEN));
        assert_eq!(
            DeviceEngagement::from_qr_uri(&long),
            Err(EngagementError::TooLong)
        );
        assert_eq!(
            DeviceEngagement::from_qr_uri("mdoc"),
            Err(EngagementError::NotMdocUri)
        );
        assert_eq!(
            DeviceEngagement::from_qr_uri("mdoé:"),
            Err(EngagementError::NotMdocUri)
        );
    }

    #[test]
    fn capabilities_are_produced_read_back_and_tolerated_in_other_shapes() {
        let key = CoseKey::new(crate::rng::new_p256_secret_key().public_key());
        let engagement = DeviceEngagement::new(key.clone(), Vec::new())
            .with_capabilities(&Capabilities::supported());
        assert_eq!(engagement.version, "1.1");
        assert_eq!(engagement.origin_infos, Some(Value::Array(Vec::new())));
        let tagged = Tagged::new(engagement);
        // {0: "1.1", 1: [...], 5: [], 6: {3: true, 4: true}}
        assert!(
            tagged
                .content()
                .ends_with(&[0x05, 0x80, 0x06, 0xa2, 0x03, 0xf5, 0x04, 0xf5])
        );
        let parsed = DeviceEngagement::parse(tagged.content()).unwrap();
        assert_eq!(parsed.encoded(), tagged.encoded());
        assert_eq!(parsed.parsed_capabilities(), Capabilities::supported());
        // Unknown capabilities are kept and re-encoded; odd shapes read as unset.
        for (value, expected) in [
            (
                Value::Map(vec![
                    (Value::int(9), Value::text("x")),
                    (Value::int(3), Value::int(1)),
                ]),
                Capabilities {
                    other: vec![(Value::int(9), Value::text("x"))],
                    ..Capabilities::default()
                },
            ),
            (Value::Bool(true), Capabilities::default()),
            (Value::Array(vec![]), Capabilities::default()),
        ] {
            let mut engagement = DeviceEngagement::new(key.clone(), Vec::new());
            engagement.version = "1.1".to_owned();
            engagement.capabilities = Some(value.clone());
            engagement.origin_infos = Some(Value::Array(vec![
                Value::Null,
                Value::Map(vec![
                    (Value::text("cat"), Value::int(1)),
                    (Value::text("type"), Value::int(1)),
                    (
                        Value::text("details"),
                        Value::Map(vec![(Value::text("domain"), Value::text("example.org"))]),
                    ),
                ]),
            ]));
            let bytes = cbor::to_vec(&engagement.to_cbor());
            let parsed = DeviceEngagement::parse(&bytes).unwrap();
            assert_eq!(parsed.content(), bytes.as_slice());
            assert_eq!(parsed.capabilities, Some(value));
            assert_eq!(parsed.parsed_capabilities(), expected);
            let origins = parsed.parsed_origin_infos();
            assert_eq!(origins.len(), 1);
            assert_eq!(origins[0].domain.as_deref(), Some("example.org"));
        }
    }
}
