//! The CBOR encoder: preferred serialization (shortest heads, definite lengths), maps in the
//! order they are held. See [`Value::canonical_map`](super::Value::canonical_map) for key order.

use super::value::Value;

/// Encodes `value` into a new buffer.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Appends the encoding of `value` to `out`.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Unsigned(u) => write_head(out, 0, *u),
        Value::Negative(n) => write_head(out, 1, *n),
        Value::Bytes(b) => {
            write_head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(t) => {
            write_head(out, 3, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            write_head(out, 4, items.len() as u64);
            for item in items {
                encode_into(item, out);
            }
        }
        Value::Map(entries) => {
            write_head(out, 5, entries.len() as u64);
            for (k, v) in entries {
                encode_into(k, out);
                encode_into(v, out);
            }
        }
        Value::Tag(tag, inner) => {
            write_head(out, 6, *tag);
            encode_into(inner, out);
        }
        Value::Embedded(e) => out.extend_from_slice(e.encoded()),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
        Value::Undefined => out.push(0xf7),
        Value::Float(x) => write_float(out, *x),
    }
}

/// Writes a head with the shortest argument encoding (RFC 8949 §4.2.1).
pub(crate) fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let major = major << 5;
    // The casts below are guarded by the range of each arm.
    match arg {
        0..=23 => out.push(major | arg as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(arg as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&arg.to_be_bytes());
        }
    }
}

/// Writes the shortest float encoding that keeps the value exactly (preferred serialization).
fn write_float(out: &mut Vec<u8>, x: f64) {
    let single = x as f32;
    if f64::from(single) == x || x.is_nan() {
        if let Some(half) = half_of(single) {
            out.push(0xf9);
            out.extend_from_slice(&half.to_be_bytes());
        } else {
            out.push(0xfa);
            out.extend_from_slice(&single.to_bits().to_be_bytes());
        }
    } else {
        out.push(0xfb);
        out.extend_from_slice(&x.to_bits().to_be_bytes());
    }
}

/// The half-precision bits for `x` when it converts exactly.
fn half_of(x: f32) -> Option<u16> {
    if x.is_nan() {
        return Some(0x7e00);
    }
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    if x.is_infinite() {
        return Some(sign | 0x7c00);
    }
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mantissa = bits & 0x7f_ffff;
    if x == 0.0 {
        return Some(sign);
    }
    if (-14..=15).contains(&exponent) {
        // Normal half: 10 mantissa bits must hold all of the single's mantissa.
        if mantissa & 0x1fff != 0 {
            return None;
        }
        return Some(sign | (((exponent + 15) as u16) << 10) | (mantissa >> 13) as u16);
    }
    if (-24..-14).contains(&exponent) {
        // Subnormal half: value = m * 2^-24 with m < 1024.
        let full = mantissa | 0x80_0000;
        let shift = (-exponent - 14 + 13) as u32;
        if full & ((1 << shift) - 1) != 0 {
            return None;
        }
        return Some(sign | (full >> shift) as u16);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::*;

    #[test]
    fn heads_are_shortest() {
        assert_eq!(encode(&Value::Unsigned(23)), vec![0x17]);
        assert_eq!(encode(&Value::Unsigned(24)), vec![0x18, 24]);
        assert_eq!(encode(&Value::Unsigned(1000)), vec![0x19, 0x03, 0xe8]);
        assert_eq!(encode(&Value::int(-1000)), vec![0x39, 0x03, 0xe7]);
        assert_eq!(encode(&Value::Unsigned(u64::MAX))[0], 0x1b);
    }

    #[test]
    fn floats_use_the_shortest_exact_form() {
        assert_eq!(encode(&Value::Float(1.5)), vec![0xf9, 0x3e, 0x00]);
        assert_eq!(
            encode(&Value::Float(5.960464477539063e-8)),
            vec![0xf9, 0x00, 0x01]
        );
        assert_eq!(
            encode(&Value::Float(100000.0)),
            vec![0xfa, 0x47, 0xc3, 0x50, 0x00]
        );
        assert_eq!(encode(&Value::Float(1.1))[0], 0xfb);
        for x in [
            0.0,
            -0.0,
            1.0,
            -4.0,
            65504.0,
            1.0e300,
            3.4028234663852886e38,
            0.1,
        ] {
            assert_eq!(decode(&encode(&Value::Float(x))), Ok(Value::Float(x)));
        }
    }

    #[test]
    fn canonical_maps_sort_by_encoded_key() {
        let map = Value::canonical_map(vec![
            (Value::text("version"), Value::Null),
            (Value::text("status"), Value::Null),
            (Value::Unsigned(10), Value::Null),
            (Value::int(-1), Value::Null),
        ]);
        let keys: Vec<_> = map
            .as_map()
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(
            keys,
            vec![
                Value::Unsigned(10),
                Value::int(-1),
                Value::text("status"),
                Value::text("version")
            ]
        );
    }
}
