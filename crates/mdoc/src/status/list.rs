//! The Status List data structure (draft-ietf-oauth-status-list-20 §4): `bits` per entry, a
//! byte array packed least significant bit first, zlib-deflated for transport as `lst`.

use super::StatusError;
use crate::cbor::Value;

/// The most inflated bytes accepted by default: 1 MiB, which holds 2^20 entries of 8 bits or
/// 2^23 entries of 1 bit (the draft's largest test vectors are 2^20 entries of 8 bits).
pub const DEFAULT_MAX_INFLATED: usize = 1024 * 1024;

/// Bits per entry: 1, 2, 4 or 8 (draft §4.1 step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bits {
    /// One bit: VALID / INVALID.
    One,
    /// Two bits: adds SUSPENDED and one application-specific value.
    Two,
    /// Four bits.
    Four,
    /// Eight bits.
    Eight,
}

impl Bits {
    /// The number of bits.
    pub const fn count(self) -> u8 {
        match self {
            Bits::One => 1,
            Bits::Two => 2,
            Bits::Four => 4,
            Bits::Eight => 8,
        }
    }

    /// The value for a count, or [`StatusError::UnsupportedBits`].
    pub fn from_count(count: u64) -> Result<Self, StatusError> {
        match count {
            1 => Ok(Bits::One),
            2 => Ok(Bits::Two),
            4 => Ok(Bits::Four),
            8 => Ok(Bits::Eight),
            other => Err(StatusError::UnsupportedBits(other)),
        }
    }

    /// Entries per byte.
    const fn per_byte(self) -> u64 {
        8 / self.count() as u64
    }

    /// The largest status value this width holds.
    const fn max_value(self) -> u8 {
        match self {
            Bits::Eight => u8::MAX,
            other => (1u8 << other.count()) - 1,
        }
    }
}

/// A status value (draft §7): 0 VALID, 1 INVALID, 2 SUSPENDED, others application specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusType {
    /// 0x00: valid.
    Valid,
    /// 0x01: revoked, annulled, withdrawn.
    Invalid,
    /// 0x02: temporarily invalid.
    Suspended,
    /// Any other value (0x03 and 0x0C-0x0F application specific, the rest reserved).
    Other(u8),
}

impl StatusType {
    /// The type for a raw value.
    pub const fn from_value(value: u8) -> Self {
        match value {
            0 => StatusType::Valid,
            1 => StatusType::Invalid,
            2 => StatusType::Suspended,
            other => StatusType::Other(other),
        }
    }

    /// The raw value.
    pub const fn value(self) -> u8 {
        match self {
            StatusType::Valid => 0,
            StatusType::Invalid => 1,
            StatusType::Suspended => 2,
            StatusType::Other(v) => v,
        }
    }
}

/// An inflated status list: `bits` per entry over a byte array.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: Bits,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for StatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusList")
            .field("bits", &self.bits)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl StatusList {
    /// A list of at least `entries` entries, all VALID.
    pub fn new(bits: Bits, entries: u64) -> Result<Self, StatusError> {
        let bytes = entries.div_ceil(bits.per_byte());
        let bytes = usize::try_from(bytes)
            .map_err(|_| StatusError::InflatedTooLarge { limit: usize::MAX })?;
        Ok(StatusList {
            bits,
            bytes: vec![0; bytes.max(1)],
        })
    }

    /// A list over raw (inflated) bytes.
    pub fn from_bytes(bits: Bits, bytes: Vec<u8>) -> Self {
        StatusList { bits, bytes }
    }

    /// Bits per entry.
    pub fn bits(&self) -> Bits {
        self.bits
    }

    /// The number of entries the byte array holds.
    pub fn len(&self) -> u64 {
        (self.bytes.len() as u64).saturating_mul(self.bits.per_byte())
    }

    /// True when the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The inflated bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Where `index` lives: byte position and bit shift.
    fn locate(&self, index: u64) -> Result<(usize, u8), StatusError> {
        let out_of_range = StatusError::IndexOutOfRange {
            index,
            len: self.len(),
        };
        let byte =
            usize::try_from(index / self.bits.per_byte()).map_err(|_| out_of_range.clone())?;
        if byte >= self.bytes.len() {
            return Err(out_of_range);
        }
        // Entries are packed from the least significant bit (draft §4.1 step 3).
        let shift = u8::try_from(index % self.bits.per_byte()).unwrap_or(0) * self.bits.count();
        Ok((byte, shift))
    }

    /// The raw status value at `index`.
    pub fn get(&self, index: u64) -> Result<u8, StatusError> {
        let (byte, shift) = self.locate(index)?;
        let value = self.bytes.get(byte).copied().unwrap_or(0);
        Ok((value >> shift) & self.bits.max_value())
    }

    /// The status at `index`.
    pub fn status(&self, index: u64) -> Result<StatusType, StatusError> {
        self.get(index).map(StatusType::from_value)
    }

    /// Sets the status at `index`; the value must fit in `bits`.
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), StatusError> {
        if value > self.bits.max_value() {
            return Err(StatusError::ValueTooWide {
                value,
                bits: self.bits.count(),
            });
        }
        let (byte, shift) = self.locate(index)?;
        let mask = self.bits.max_value() << shift;
        if let Some(slot) = self.bytes.get_mut(byte) {
            *slot = (*slot & !mask) | (value << shift);
        }
        Ok(())
    }

    /// `lst`: the byte array deflated with the zlib format at the highest level (draft §4.1
    /// step 4).
    pub fn compress(&self) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(&self.bytes, 10)
    }

    /// Inflates `lst`, refusing output beyond `max_inflated` bytes before allocating it (a zip
    /// bomb is [`StatusError::InflatedTooLarge`]), a bad zlib header or Adler-32 checksum, and
    /// trailing bytes.
    pub fn decompress(bits: Bits, lst: &[u8], max_inflated: usize) -> Result<Self, StatusError> {
        use miniz_oxide::inflate::TINFLStatus;
        match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(lst, max_inflated) {
            Ok(bytes) if bytes.is_empty() => Err(StatusError::Malformed("empty status list")),
            Ok(bytes) => Ok(StatusList { bits, bytes }),
            Err(e) if e.status == TINFLStatus::HasMoreOutput => {
                Err(StatusError::InflatedTooLarge {
                    limit: max_inflated,
                })
            }
            Err(_) => Err(StatusError::Compression),
        }
    }

    /// The CBOR StatusList (draft §4.3): `{"bits": uint, "lst": bstr}`.
    pub fn to_cbor(&self) -> Value {
        Value::canonical_map(vec![
            (
                Value::text("bits"),
                Value::from(u64::from(self.bits.count())),
            ),
            (Value::text("lst"), Value::Bytes(self.compress())),
        ])
    }

    /// Reads a CBOR StatusList, inflating `lst` within `max_inflated` bytes. Unknown entries
    /// (`aggregation_uri`, extensions) are ignored.
    pub fn from_cbor(value: &Value, max_inflated: usize) -> Result<Self, StatusError> {
        if value.as_map().is_none() {
            return Err(StatusError::Malformed("status_list is not a map"));
        }
        let bits = value
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or(StatusError::Malformed("status_list bits"))?;
        let bits = Bits::from_count(bits)?;
        let lst = value
            .get("lst")
            .and_then(Value::as_bytes)
            .ok_or(StatusError::Malformed("status_list lst"))?;
        StatusList::decompress(bits, lst, max_inflated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    // draft-ietf-oauth-status-list-20 §4.1 (github.com/oauth-wg/draft-ietf-oauth-status-list at
    // 2fb61cd, examples/status_list_encoding_cbor.md and status_list_encoding2_cbor.md).
    const ONE_BIT_SHORT: &str = "a2646269747301636c73744a78dadbb918000217015d";
    const ONE_BIT_SHORT_STATUSES: [u8; 16] = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    const TWO_BIT_SHORT: &str = "a2646269747302636c73744b78da3be9f2130003df0207";
    const TWO_BIT_SHORT_STATUSES: [u8; 12] = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];

    /// Appendix A (test vectors) of the same draft: CBOR encodings of 2^20-entry lists, with
    /// the statuses set at the listed indices and every other entry 0.
    fn vector(name: &str) -> (Vec<u8>, Vec<(u64, u8)>) {
        let text = match name {
            "1" => include_str!("testdata/status_list_encoding1_long_cbor.hex"),
            "2" => include_str!("testdata/status_list_encoding2_long_cbor.hex"),
            "4" => include_str!("testdata/status_list_encoding4_cbor.hex"),
            _ => include_str!("testdata/status_list_encoding8_cbor.hex"),
        };
        let hex_text: String = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .flat_map(str::chars)
            .filter(char::is_ascii_hexdigit)
            .collect();
        let set: &[(u64, u8)] = match name {
            "1" => &[
                (0, 1),
                (1993, 1),
                (25460, 1),
                (159495, 1),
                (495669, 1),
                (554353, 1),
                (645645, 1),
                (723232, 1),
                (854545, 1),
                (934534, 1),
                (1000345, 1),
            ],
            "2" => &[
                (0, 1),
                (1993, 2),
                (25460, 1),
                (159495, 3),
                (495669, 1),
                (554353, 1),
                (645645, 2),
                (723232, 1),
                (854545, 1),
                (934534, 2),
                (1000345, 3),
            ],
            "4" => &[
                (0, 1),
                (1993, 2),
                (35460, 3),
                (459495, 4),
                (595669, 5),
                (754353, 6),
                (845645, 7),
                (923232, 8),
                (924445, 9),
                (934534, 10),
                (1004534, 11),
                (1000345, 12),
                (1030203, 13),
                (1030204, 14),
                (1030205, 15),
            ],
            _ => &[
                (233478, 0),
                (52451, 1),
                (576778, 2),
                (513575, 3),
                (468106, 4),
                (292632, 5),
                (214947, 6),
                (182323, 7),
                (884834, 8),
                (66653, 9),
                (62489, 10),
                (196493, 11),
                (458517, 12),
                (487925, 13),
                (55649, 14),
                (152133, 254),
                (19535, 255),
            ],
        };
        (hex::decode(hex_text).unwrap(), set.to_vec())
    }

    #[test]
    fn draft_short_examples_read_at_every_index() {
        let list = StatusList::from_cbor(
            &cbor::decode(&hex::decode(ONE_BIT_SHORT).unwrap()).unwrap(),
            DEFAULT_MAX_INFLATED,
        )
        .unwrap();
        assert_eq!(list.as_bytes(), [0xb9, 0xa3]);
        for (i, want) in ONE_BIT_SHORT_STATUSES.iter().enumerate() {
            assert_eq!(list.get(i as u64).unwrap(), *want, "index {i}");
        }
        let two = StatusList::from_cbor(
            &cbor::decode(&hex::decode(TWO_BIT_SHORT).unwrap()).unwrap(),
            DEFAULT_MAX_INFLATED,
        )
        .unwrap();
        assert_eq!(two.as_bytes(), [0xc9, 0x44, 0xf9]);
        for (i, want) in TWO_BIT_SHORT_STATUSES.iter().enumerate() {
            assert_eq!(two.get(i as u64).unwrap(), *want, "index {i}");
        }
        assert_eq!(two.status(1).unwrap(), StatusType::Suspended);
        assert_eq!(two.status(3).unwrap(), StatusType::Other(3));
    }

    #[test]
    fn building_the_draft_examples_gives_the_same_bytes() {
        let mut list = StatusList::new(Bits::One, 16).unwrap();
        for (i, v) in ONE_BIT_SHORT_STATUSES.iter().enumerate() {
            list.set(i as u64, *v).unwrap();
        }
        assert_eq!(list.as_bytes(), [0xb9, 0xa3]);
        // Our deflate output need not equal the draft's bytes, but must inflate to the same list.
        let round = StatusList::decompress(Bits::One, &list.compress(), 16).unwrap();
        assert_eq!(round, list);
        let mut two = StatusList::new(Bits::Two, 12).unwrap();
        for (i, v) in TWO_BIT_SHORT_STATUSES.iter().enumerate() {
            two.set(i as u64, *v).unwrap();
        }
        assert_eq!(two.as_bytes(), [0xc9, 0x44, 0xf9]);
    }

    #[test]
    fn draft_test_vectors_1_2_4_8_bits() {
        for (name, bits) in [
            ("1", Bits::One),
            ("2", Bits::Two),
            ("4", Bits::Four),
            ("8", Bits::Eight),
        ] {
            let (bytes, set) = vector(name);
            let list = StatusList::from_cbor(&cbor::decode(&bytes).unwrap(), DEFAULT_MAX_INFLATED)
                .unwrap();
            assert_eq!(list.bits(), bits);
            assert_eq!(list.len(), 1 << 20, "{name}-bit list size");
            for (index, want) in &set {
                assert_eq!(list.get(*index).unwrap(), *want, "{name}-bit index {index}");
            }
            let mut nonzero: Vec<u8> = (0..list.len())
                .map(|i| list.get(i).unwrap())
                .filter(|v| *v != 0)
                .collect();
            if bits == Bits::Eight {
                // The draft text lists 17 entries of this vector; its generator (src/main.py,
                // exampleStatusList8Bit) sets the values 0..=255 once each at random indices.
                nonzero.sort_unstable();
                assert_eq!(nonzero, (1..=255).collect::<Vec<u8>>());
            } else {
                // Every entry not listed is 0 (VALID).
                let expected = set.iter().filter(|(_, v)| *v != 0).count();
                assert_eq!(nonzero.len(), expected, "{name}-bit nonzero entries");
            }
            assert_eq!(
                list.get(1 << 20),
                Err(StatusError::IndexOutOfRange {
                    index: 1 << 20,
                    len: 1 << 20
                })
            );
        }
    }

    #[test]
    fn a_small_input_that_inflates_past_the_bound_is_refused() {
        // ~1 KiB of zlib that inflates to 1.1 MiB of zeros.
        let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 1_100_000], 10);
        assert!(bomb.len() <= 1200, "bomb is {} bytes", bomb.len());
        assert_eq!(
            StatusList::decompress(Bits::One, &bomb, DEFAULT_MAX_INFLATED),
            Err(StatusError::InflatedTooLarge {
                limit: DEFAULT_MAX_INFLATED
            })
        );
        assert_eq!(
            StatusList::decompress(Bits::One, &bomb, 4096),
            Err(StatusError::InflatedTooLarge { limit: 4096 })
        );
    }

    #[test]
    fn bad_inputs_are_typed() {
        let good = StatusList::new(Bits::One, 64).unwrap().compress();
        // Truncated, checksum flipped, not zlib, empty.
        let truncated = &good[..good.len() - 2];
        let mut flipped = good.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        for bad in [truncated, &flipped[..], b"not zlib", b""] {
            assert_eq!(
                StatusList::decompress(Bits::One, bad, 1024),
                Err(StatusError::Compression)
            );
        }
        assert_eq!(Bits::from_count(3), Err(StatusError::UnsupportedBits(3)));
        assert_eq!(Bits::from_count(0), Err(StatusError::UnsupportedBits(0)));
        let mut list = StatusList::new(Bits::Two, 4).unwrap();
        assert_eq!(
            list.set(0, 4),
            Err(StatusError::ValueTooWide { value: 4, bits: 2 })
        );
        assert!(matches!(
            list.set(4, 1),
            Err(StatusError::IndexOutOfRange { .. })
        ));
        assert_eq!(
            list.get(u64::MAX).unwrap_err(),
            StatusError::IndexOutOfRange {
                index: u64::MAX,
                len: 4
            }
        );
        for bad in [
            Value::Null,
            Value::canonical_map(vec![(Value::text("bits"), Value::from(1u64))]),
            Value::canonical_map(vec![
                (Value::text("bits"), Value::from(3u64)),
                (Value::text("lst"), Value::Bytes(good.clone())),
            ]),
            Value::canonical_map(vec![
                (Value::text("bits"), Value::text("1")),
                (Value::text("lst"), Value::Bytes(good.clone())),
            ]),
        ] {
            assert!(StatusList::from_cbor(&bad, 1024).is_err());
        }
    }

    #[test]
    fn set_and_get_round_trip_at_every_width() {
        for bits in [Bits::One, Bits::Two, Bits::Four, Bits::Eight] {
            let mut list = StatusList::new(bits, 100).unwrap();
            for i in 0..100u64 {
                list.set(i, (i as u8) & bits.max_value()).unwrap();
            }
            let round = StatusList::from_cbor(&list.to_cbor(), 1024).unwrap();
            for i in 0..100u64 {
                assert_eq!(round.get(i).unwrap(), (i as u8) & bits.max_value());
            }
        }
    }
}
