//! The bounded CBOR decoder.

use std::collections::BTreeSet;

use super::embedded::Embedded;
use super::encode::encode;
use super::error::CborError;
use super::value::Value;

/// Bounds applied while decoding untrusted CBOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_input: usize,
    /// Deepest accepted nesting of arrays, maps and tags.
    pub max_depth: usize,
    /// Heap bytes the decoded value may take per input byte, beyond [`DECODE_SLACK`].
    ///
    /// One input byte can be a whole data item (an empty array, a small integer) whose decoded
    /// [`Value`] is tens of bytes, so without this bound a 16 MiB input could take half a
    /// gigabyte. The decoder charges every item's [`Value`], every string's content, every
    /// preallocated container slot and its duplicate-key bookkeeping against
    /// `max_expansion × input length + DECODE_SLACK`, before allocating.
    pub max_expansion: usize,
}

/// Heap bytes every decode may use whatever the input length, so that small messages made of
/// many small items (a request for a few dozen elements) are never refused by
/// [`Limits::max_expansion`]. 32 KiB: a DeviceRequest at the element cap (256 identifiers of ~10 characters, each with a
/// one-byte bool) decodes to ~100 heap bytes per 12 input bytes, which a smaller slack refused.
pub const DECODE_SLACK: usize = 32 * 1024;

impl Limits {
    /// Limits that fit every ISO 18013-5 message (portraits and signature images included).
    pub const DEFAULT: Limits = Limits {
        max_input: 16 * 1024 * 1024,
        max_depth: 32,
        max_expansion: 3,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Decodes exactly one CBOR data item from `bytes` with [`Limits::DEFAULT`].
pub fn decode(bytes: &[u8]) -> Result<Value, CborError> {
    decode_with_limits(bytes, Limits::DEFAULT)
}

/// Decodes exactly one CBOR data item from `bytes`, refusing trailing bytes.
pub fn decode_with_limits(bytes: &[u8], limits: Limits) -> Result<Value, CborError> {
    if bytes.len() > limits.max_input {
        return Err(CborError::TooLarge);
    }
    let mut reader = Reader {
        input: bytes,
        pos: 0,
        limits,
        budget: bytes
            .len()
            .saturating_mul(limits.max_expansion)
            .saturating_add(DECODE_SLACK),
    };
    reader.charge_items(1)?;
    let value = reader.item(0)?;
    if reader.pos != bytes.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(value)
}

/// The argument of a header: a definite count or value, or the indefinite-length marker.
enum Argument {
    Definite(u64),
    Indefinite,
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    limits: Limits,
    /// Heap bytes the decoded value may still take.
    budget: usize,
}

/// What one map key costs in [`MapBuilder`]'s duplicate check besides its encoding: the
/// `Vec<u8>` header and a share of a B-tree node.
const SEEN_KEY_OVERHEAD: usize = std::mem::size_of::<Vec<u8>>() + 8;

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// Takes `bytes` from the decode budget, refusing the input when it is spent.
    fn charge(&mut self, bytes: usize) -> Result<(), CborError> {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(CborError::DecodedTooLarge),
        }
    }

    /// Charges `count` decoded [`Value`]s (container slots, boxes).
    fn charge_items(&mut self, count: usize) -> Result<(), CborError> {
        self.charge(count.saturating_mul(std::mem::size_of::<Value>()))
    }

    /// Makes room for `more` elements in an indefinite-length item's `Vec`, doubling its
    /// capacity and charging each new allocation in full (while it grows, the old and the new
    /// allocation are both alive).
    fn grow<T>(&mut self, vec: &mut Vec<T>, more: usize) -> Result<(), CborError> {
        let needed = vec.len().saturating_add(more);
        if needed <= vec.capacity() {
            return Ok(());
        }
        let capacity = needed.max(vec.capacity().saturating_mul(2)).max(4);
        self.charge(capacity.saturating_mul(std::mem::size_of::<T>()))?;
        vec.reserve_exact(capacity - vec.len());
        Ok(())
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self.input.get(self.pos).ok_or(CborError::UnexpectedEnd)?;
        self.pos += 1;
        Ok(b)
    }

    fn peek(&self) -> Result<u8, CborError> {
        self.input
            .get(self.pos)
            .copied()
            .ok_or(CborError::UnexpectedEnd)
    }

    fn take(&mut self, len: u64) -> Result<&'a [u8], CborError> {
        let len = usize::try_from(len).map_err(|_| CborError::UnexpectedEnd)?;
        if len > self.remaining() {
            return Err(CborError::UnexpectedEnd);
        }
        let slice = self
            .input
            .get(self.pos..self.pos + len)
            .ok_or(CborError::UnexpectedEnd)?;
        self.pos += len;
        Ok(slice)
    }

    fn uint_of(&mut self, width: u64) -> Result<u64, CborError> {
        let bytes = self.take(width)?;
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads a header, returning its major type and argument.
    fn header(&mut self) -> Result<(u8, u8, Argument), CborError> {
        let initial = self.byte()?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        let arg = match info {
            0..=23 => Argument::Definite(u64::from(info)),
            24 => Argument::Definite(self.uint_of(1)?),
            25 => Argument::Definite(self.uint_of(2)?),
            26 => Argument::Definite(self.uint_of(4)?),
            27 => Argument::Definite(self.uint_of(8)?),
            31 if matches!(major, 2..=5 | 7) => Argument::Indefinite,
            _ => return Err(CborError::Malformed),
        };
        Ok((major, info, arg))
    }

    /// A count of items that each take at least one byte, checked against the remaining input
    /// so that no allocation exceeds what the input could fill.
    fn bounded_count(&self, count: u64, bytes_per_item: usize) -> Result<usize, CborError> {
        let count = usize::try_from(count).map_err(|_| CborError::UnexpectedEnd)?;
        match count.checked_mul(bytes_per_item) {
            Some(needed) if needed <= self.remaining() => Ok(count),
            _ => Err(CborError::UnexpectedEnd),
        }
    }

    fn item(&mut self, depth: usize) -> Result<Value, CborError> {
        if depth > self.limits.max_depth {
            return Err(CborError::TooDeep);
        }
        let start = self.pos;
        let (major, info, arg) = self.header()?;
        match (major, arg) {
            (0, Argument::Definite(u)) => Ok(Value::Unsigned(u)),
            (1, Argument::Definite(n)) => Ok(Value::Negative(n)),
            (2, Argument::Definite(len)) => {
                let bytes = self.take(len)?;
                self.charge(bytes.len())?;
                Ok(Value::Bytes(bytes.to_vec()))
            }
            (2, Argument::Indefinite) => Ok(Value::Bytes(self.chunks(2)?)),
            (3, Argument::Definite(len)) => {
                let bytes = self.take(len)?;
                self.charge(bytes.len())?;
                let text = std::str::from_utf8(bytes).map_err(|_| CborError::InvalidUtf8)?;
                Ok(Value::Text(text.to_owned()))
            }
            (3, Argument::Indefinite) => {
                let bytes = self.chunks(3)?;
                String::from_utf8(bytes)
                    .map(Value::Text)
                    .map_err(|_| CborError::InvalidUtf8)
            }
            (4, Argument::Definite(count)) => {
                let count = self.bounded_count(count, 1)?;
                self.charge_items(count)?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            (4, Argument::Indefinite) => {
                let mut items = Vec::new();
                while !self.at_break()? {
                    self.grow(&mut items, 1)?;
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            (5, Argument::Definite(count)) => {
                let count = self.bounded_count(count, 2)?;
                self.charge_items(count.saturating_mul(2))?;
                let mut map = MapBuilder::with_capacity(count);
                for _ in 0..count {
                    let key = self.map_key(depth + 1)?;
                    let value = self.item(depth + 1)?;
                    map.insert(key, value)?;
                }
                Ok(Value::Map(map.entries))
            }
            (5, Argument::Indefinite) => {
                let mut map = MapBuilder::with_capacity(0);
                while !self.at_break()? {
                    self.grow(&mut map.entries, 1)?;
                    let key = self.map_key(depth + 1)?;
                    let value = self.item(depth + 1)?;
                    map.insert(key, value)?;
                }
                Ok(Value::Map(map.entries))
            }
            (6, Argument::Definite(24)) => {
                let content_start = self.pos;
                let content = match self.header()? {
                    (2, _, Argument::Definite(len)) => self.take(len)?,
                    _ => return Err(CborError::InvalidEmbedded),
                };
                let header_len = self.pos - content_start - content.len();
                let encoded = self
                    .input
                    .get(start..self.pos)
                    .ok_or(CborError::UnexpectedEnd)?;
                // The bytes are kept in one shared allocation (its counts included).
                self.charge(
                    encoded
                        .len()
                        .saturating_add(2 * std::mem::size_of::<usize>()),
                )?;
                Embedded::from_received(encoded, content_start - start + header_len)
                    .map(Value::Embedded)
            }
            (6, Argument::Definite(tag)) => {
                self.charge_items(1)?;
                Ok(Value::Tag(tag, Box::new(self.item(depth + 1)?)))
            }
            (7, Argument::Definite(simple)) => simple_or_float(info, simple),
            _ => Err(CborError::Malformed),
        }
    }

    /// A map key, charged also for its entry in the duplicate-key check.
    fn map_key(&mut self, depth: usize) -> Result<Value, CborError> {
        let start = self.pos;
        let key = self.item(depth)?;
        // The check keeps the key's preferred encoding, never longer than the received one.
        self.charge((self.pos - start).saturating_add(SEEN_KEY_OVERHEAD))?;
        Ok(key)
    }

    /// True (and consumes it) when the next byte is the "break" that ends an indefinite item.
    fn at_break(&mut self) -> Result<bool, CborError> {
        if self.peek()? == 0xff {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The concatenated chunks of an indefinite-length byte or text string.
    fn chunks(&mut self, major: u8) -> Result<Vec<u8>, CborError> {
        let mut out = Vec::new();
        while !self.at_break()? {
            match self.header()? {
                (m, _, Argument::Definite(len)) if m == major => {
                    let chunk = self.take(len)?;
                    self.grow(&mut out, chunk.len())?;
                    out.extend_from_slice(chunk);
                }
                _ => return Err(CborError::Malformed),
            }
        }
        Ok(out)
    }
}

fn simple_or_float(info: u8, arg: u64) -> Result<Value, CborError> {
    match (info, arg) {
        (20, _) => Ok(Value::Bool(false)),
        (21, _) => Ok(Value::Bool(true)),
        (22, _) => Ok(Value::Null),
        (23, _) => Ok(Value::Undefined),
        (25, half) => Ok(Value::Float(f64_from_half(half as u16))),
        (26, single) => Ok(Value::Float(f64::from(f32::from_bits(single as u32)))),
        (27, double) => Ok(Value::Float(f64::from_bits(double))),
        // Unassigned simple values carry no meaning in ISO 18013-5.
        _ => Err(CborError::Malformed),
    }
}

/// IEEE 754 half precision to double (RFC 8949 Appendix D).
fn f64_from_half(half: u16) -> f64 {
    let exponent = i32::from((half >> 10) & 0x1f);
    let mantissa = f64::from(half & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mantissa + 1024.0) * 2f64.powi(exponent - 25),
    };
    if half & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Collects map entries in order, refusing duplicate keys (compared by their encoding).
struct MapBuilder {
    entries: Vec<(Value, Value)>,
    seen: BTreeSet<Vec<u8>>,
}

impl MapBuilder {
    fn with_capacity(count: usize) -> Self {
        MapBuilder {
            entries: Vec::with_capacity(count),
            seen: BTreeSet::new(),
        }
    }

    fn insert(&mut self, key: Value, value: Value) -> Result<(), CborError> {
        if !self.seen.insert(encode(&key)) {
            return Err(CborError::DuplicateKey);
        }
        self.entries.push((key, value));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0))
            .collect()
    }

    #[test]
    fn decodes_rfc8949_appendix_a_examples() {
        assert_eq!(decode(&hex("00")), Ok(Value::Unsigned(0)));
        assert_eq!(
            decode(&hex("1bffffffffffffffff")),
            Ok(Value::Unsigned(u64::MAX))
        );
        assert_eq!(decode(&hex("3863")), Ok(Value::int(-100)));
        assert_eq!(decode(&hex("f93c00")), Ok(Value::Float(1.0)));
        assert_eq!(
            decode(&hex("f90001")),
            Ok(Value::Float(5.960464477539063e-8))
        );
        assert_eq!(decode(&hex("fa47c35000")), Ok(Value::Float(100000.0)));
        assert_eq!(decode(&hex("f5")), Ok(Value::Bool(true)));
        assert_eq!(decode(&hex("6449455446")), Ok(Value::text("IETF")));
        assert_eq!(
            decode(&hex("5f42010243030405ff")),
            Ok(Value::Bytes(vec![1, 2, 3, 4, 5]))
        );
        assert_eq!(
            decode(&hex("9f018202039f0405ffff")),
            Ok(Value::Array(vec![
                Value::Unsigned(1),
                Value::Array(vec![Value::Unsigned(2), Value::Unsigned(3)]),
                Value::Array(vec![Value::Unsigned(4), Value::Unsigned(5)]),
            ]))
        );
        assert_eq!(
            decode(&hex("c074323031332d30332d32315432303a30343a30305a")),
            Ok(Value::Tag(0, Box::new(Value::text("2013-03-21T20:04:00Z"))))
        );
    }

    #[test]
    fn keeps_embedded_bytes_as_received_even_when_not_minimal() {
        // tag 24 around a byte string whose length uses a needless 1-byte argument.
        let bytes = hex("d8185801f5");
        let Ok(Value::Embedded(e)) = decode(&bytes) else {
            panic!("expected an embedded item");
        };
        assert_eq!(e.encoded(), bytes.as_slice());
        assert_eq!(e.content(), &[0xf5]);
    }

    #[test]
    fn refuses_hostile_input() {
        assert_eq!(decode(&[]), Err(CborError::UnexpectedEnd));
        assert_eq!(decode(&hex("0000")), Err(CborError::TrailingBytes));
        // A byte string claiming 2^64-1 bytes must not allocate.
        assert_eq!(
            decode(&hex("5bffffffffffffffff")),
            Err(CborError::UnexpectedEnd)
        );
        // An array claiming 2^32 elements must not allocate.
        assert_eq!(decode(&hex("9affffffff00")), Err(CborError::UnexpectedEnd));
        assert_eq!(decode(&hex("1c")), Err(CborError::Malformed));
        assert_eq!(decode(&hex("ff")), Err(CborError::Malformed));
        assert_eq!(decode(&hex("62c328")), Err(CborError::InvalidUtf8));
        assert_eq!(decode(&hex("a2616101616102")), Err(CborError::DuplicateKey));
        assert_eq!(decode(&hex("d81801")), Err(CborError::InvalidEmbedded));
        assert_eq!(decode(&hex("5f4101")), Err(CborError::UnexpectedEnd));
        assert_eq!(decode(&hex("5f6161ff")), Err(CborError::Malformed));
        let deep = vec![0x81u8; 10_000];
        assert_eq!(decode(&deep), Err(CborError::TooDeep));
        let limits = Limits {
            max_input: 2,
            max_depth: 4,
            max_expansion: 4,
        };
        assert_eq!(
            decode_with_limits(&hex("430102ff"), limits),
            Err(CborError::TooLarge)
        );
    }

    #[test]
    fn refuses_inputs_that_decode_to_far_more_than_their_length() {
        // An array of a million empty arrays: one byte each, a whole Value each once decoded.
        let mut bytes = hex("9a000f4240");
        bytes.resize(bytes.len() + 1_000_000, 0x80);
        assert_eq!(decode(&bytes), Err(CborError::DecodedTooLarge));
        // A long map of small integers to null.
        let mut map = hex("b9ffff");
        for key in 0..0xffffu32 {
            map.push(0x19);
            map.extend_from_slice(&(key as u16).to_be_bytes());
            map.push(0xf6);
        }
        assert_eq!(decode(&map), Err(CborError::DecodedTooLarge));
        // Indefinite-length arrays are charged as they grow.
        let mut indefinite = vec![0x9f];
        indefinite.resize(100_001, 0x80);
        indefinite.push(0xff);
        assert_eq!(decode(&indefinite), Err(CborError::DecodedTooLarge));
        // A header may not preallocate slots the budget cannot pay for.
        let mut short = hex("99ffff");
        short.resize(short.len() + 0xffff, 0x00);
        assert_eq!(decode(&short), Err(CborError::DecodedTooLarge));
    }

    #[test]
    fn accepts_messages_of_strings_and_small_requests() {
        // A 100 KiB byte string (a portrait) decodes to about its own size.
        let mut portrait = hex("5a00019000");
        portrait.resize(portrait.len() + 0x19000, 0xab);
        assert!(decode(&portrait).is_ok());
        // A request for 40 elements (a map of identifiers to booleans) fits the slack.
        let mut request = vec![0xb8, 40];
        for i in 0..40u8 {
            request.extend_from_slice(b"\x6belement_n");
            request.extend_from_slice(&[b'a' + i / 10, b'a' + i % 10, 0xf4]);
        }
        assert!(decode(&request).is_ok());
    }
}
