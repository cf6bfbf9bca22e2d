//! A bounded CBOR walker that keeps every item's byte span, and its diagnostic notation
//! (RFC 8949 §8) with tag-24 contents expanded as `<< ... >>`.
//!
//! This is the one place the CLI reads CBOR bytes itself, so that an error can name the byte
//! offset where the input went wrong (the core decoder's errors carry no position). Typed parsing
//! stays in the core crates. Kept small and self-contained so that it can be ported when the data
//! model moves onto ciborium.

use std::fmt::Write as _;

/// Deepest nesting of arrays, maps and tags (tag-24 contents included) the walker accepts.
pub const MAX_DEPTH: usize = 32;

/// Most items the walker accepts in one input: every node costs memory beyond its bytes (and
/// more again in the annotated tree), so the item count is bounded, not just the input size.
/// Real mdoc messages hold a few thousand at most.
pub const MAX_ITEMS: usize = 100_000;

/// Why the bytes are not one well-formed CBOR item, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte offset {offset}: {problem}")]
pub struct DiagError {
    /// Offset of the byte where the problem was found.
    pub offset: usize,
    /// What was expected there.
    pub problem: String,
}

fn error(offset: usize, problem: impl Into<String>) -> DiagError {
    DiagError {
        offset,
        problem: problem.into(),
    }
}

/// One CBOR data item and the byte range `start..end` it occupies in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Offset of the item's first byte.
    pub start: usize,
    /// Offset just past the item.
    pub end: usize,
    /// The item.
    pub kind: Kind,
}

/// The kinds of CBOR item.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// An unsigned integer.
    Unsigned(u64),
    /// A negative integer `-1 - n`.
    Negative(u64),
    /// A byte string; `embedded` holds the decoded content when tagged 24.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Node>),
    /// A map, entries in order.
    Map(Vec<(Node, Node)>),
    /// A tag other than 24.
    Tag(u64, Box<Node>),
    /// Tag 24 around a byte string holding one item, which is decoded here.
    Embedded(Box<Node>),
    /// A simple value (false, true, null, undefined or another).
    Simple(u8),
    /// A float.
    Float(f64),
}

impl Node {
    /// The text of a text-string node.
    pub fn as_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The value of a text-keyed map entry.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the item's CBOR type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Unsigned(_) => "an unsigned integer",
            Kind::Negative(_) => "a negative integer",
            Kind::Bytes(_) => "a byte string",
            Kind::Text(_) => "a text string",
            Kind::Array(_) => "an array",
            Kind::Map(_) => "a map",
            Kind::Tag(..) | Kind::Embedded(_) => "a tagged item",
            Kind::Simple(_) => "a simple value",
            Kind::Float(_) => "a float",
        }
    }
}

/// Walks `input` as exactly one CBOR item.
pub fn parse(input: &[u8]) -> Result<Node, DiagError> {
    let mut walker = Walker {
        input,
        pos: 0,
        items: 0,
    };
    let node = walker.item(0)?;
    if walker.pos != input.len() {
        return Err(error(
            walker.pos,
            format!(
                "expected the end of the input after one CBOR item, found {} more bytes",
                input.len() - walker.pos
            ),
        ));
    }
    Ok(node)
}

struct Walker<'a> {
    input: &'a [u8],
    pos: usize,
    items: usize,
}

enum Arg {
    Definite(u64),
    Indefinite,
}

impl Walker<'_> {
    fn byte(&mut self, what: &str) -> Result<u8, DiagError> {
        let b = self
            .input
            .get(self.pos)
            .copied()
            .ok_or_else(|| error(self.pos, format!("input ends where {what} was expected")))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, len: u64, what: &str) -> Result<&[u8], DiagError> {
        let remaining = self.input.len() - self.pos;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= remaining)
            .ok_or_else(|| {
                error(
                    self.pos,
                    format!("{what} declares {len} bytes but only {remaining} remain"),
                )
            })?;
        let start = self.pos;
        self.pos += len;
        Ok(self.input.get(start..start + len).unwrap_or_default())
    }

    fn argument(&mut self, info: u8, at: usize) -> Result<Arg, DiagError> {
        let width = match info {
            0..=23 => return Ok(Arg::Definite(u64::from(info))),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            31 => return Ok(Arg::Indefinite),
            _ => return Err(error(at, format!("reserved additional information {info}"))),
        };
        let bytes = self.take(width, "an integer argument")?;
        Ok(Arg::Definite(
            bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        ))
    }

    /// A count of items that each take at least one byte, so it is bounded by the input left.
    fn count(&self, n: u64, per_item: u64, at: usize, what: &str) -> Result<usize, DiagError> {
        let remaining = (self.input.len() - self.pos) as u64;
        if n.saturating_mul(per_item) > remaining {
            return Err(error(
                at,
                format!("{what} declares {n} items but only {remaining} bytes remain"),
            ));
        }
        Ok(n as usize)
    }

    fn item(&mut self, depth: usize) -> Result<Node, DiagError> {
        let start = self.pos;
        if depth > MAX_DEPTH {
            return Err(error(
                start,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(error(
                start,
                format!("more than {MAX_ITEMS} items; this tool inspects mdoc-sized messages"),
            ));
        }
        let head = self.byte("a CBOR item")?;
        let (major, info) = (head >> 5, head & 0x1f);
        let arg = self.argument(info, start)?;
        let kind = match (major, arg) {
            (0, Arg::Definite(n)) => Kind::Unsigned(n),
            (1, Arg::Definite(n)) => Kind::Negative(n),
            (2, arg) => Kind::Bytes(self.string(2, arg, start)?),
            (3, arg) => {
                let bytes = self.string(3, arg, start)?;
                Kind::Text(
                    String::from_utf8(bytes)
                        .map_err(|_| error(start, "expected UTF-8 in a text string"))?,
                )
            }
            (4, Arg::Definite(n)) => {
                let n = self.count(n, 1, start, "an array")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Kind::Array(items)
            }
            (4, Arg::Indefinite) => {
                let mut items = Vec::new();
                while !self.at_break()? {
                    items.push(self.item(depth + 1)?);
                }
                Kind::Array(items)
            }
            (5, Arg::Definite(n)) => {
                let n = self.count(n, 2, start, "a map")?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = self.item(depth + 1)?;
                    entries.push((key, self.item(depth + 1)?));
                }
                Kind::Map(entries)
            }
            (5, Arg::Indefinite) => {
                let mut entries = Vec::new();
                while !self.at_break()? {
                    let key = self.item(depth + 1)?;
                    entries.push((key, self.item(depth + 1)?));
                }
                Kind::Map(entries)
            }
            (6, Arg::Definite(24)) => {
                let content_start = self.pos;
                let inner = self.item(depth + 1)?;
                let Kind::Bytes(bytes) = &inner.kind else {
                    return Err(error(
                        content_start,
                        "expected a byte string inside tag 24 (embedded CBOR)",
                    ));
                };
                // The content is decoded in place, so its offsets are offsets in the input.
                let content_offset = inner.end - bytes.len();
                let mut sub = Walker {
                    input: self.input.get(..inner.end).unwrap_or_default(),
                    pos: content_offset,
                    items: self.items,
                };
                let content = sub.item(depth + 1)?;
                self.items = sub.items;
                if sub.pos != inner.end {
                    return Err(error(
                        sub.pos,
                        "expected the end of the tag-24 byte string after one CBOR item",
                    ));
                }
                Kind::Embedded(Box::new(content))
            }
            (6, Arg::Definite(tag)) => Kind::Tag(tag, Box::new(self.item(depth + 1)?)),
            (7, Arg::Definite(n)) => match info {
                25 => Kind::Float(half(n as u16)),
                26 => Kind::Float(f64::from(f32::from_bits(n as u32))),
                27 => Kind::Float(f64::from_bits(n)),
                _ => Kind::Simple(n as u8),
            },
            (7, Arg::Indefinite) => return Err(error(start, "a break outside an indefinite item")),
            _ => {
                return Err(error(
                    start,
                    "an indefinite length is not allowed for integers and tags",
                ));
            }
        };
        Ok(Node {
            start,
            end: self.pos,
            kind,
        })
    }

    fn at_break(&mut self) -> Result<bool, DiagError> {
        match self.input.get(self.pos) {
            Some(0xff) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(error(
                self.pos,
                "input ends inside an indefinite-length item",
            )),
        }
    }

    fn string(&mut self, major: u8, arg: Arg, start: usize) -> Result<Vec<u8>, DiagError> {
        let what = if major == 2 {
            "a byte string"
        } else {
            "a text string"
        };
        match arg {
            Arg::Definite(n) => Ok(self.take(n, what)?.to_vec()),
            Arg::Indefinite => {
                let mut out = Vec::new();
                while !self.at_break()? {
                    let chunk_at = self.pos;
                    let head = self.byte("a string chunk")?;
                    if head >> 5 != major {
                        return Err(error(chunk_at, format!("expected a chunk of {what}")));
                    }
                    match self.argument(head & 0x1f, chunk_at)? {
                        Arg::Definite(n) => out.extend_from_slice(self.take(n, what)?),
                        Arg::Indefinite => {
                            return Err(error(chunk_at, "a nested indefinite-length chunk"));
                        }
                    }
                }
                let _ = start;
                Ok(out)
            }
        }
    }
}

fn half(bits: u16) -> f64 {
    let exp = (bits >> 10) & 0x1f;
    let mant = f64::from(bits & 0x3ff);
    let value = match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mant + 1024.0) * 2f64.powi(i32::from(exp) - 25),
    };
    if bits & 0x8000 != 0 { -value } else { value }
}

/// Diagnostic notation of a leaf item (everything but arrays, maps and tags), with long byte
/// strings shortened so the tree stays readable.
pub fn leaf(node: &Node) -> String {
    match &node.kind {
        Kind::Unsigned(n) => n.to_string(),
        Kind::Negative(n) => format!("-{}", u128::from(*n) + 1),
        Kind::Bytes(b) if b.len() > 48 => {
            format!(
                "h'{}…' / {} bytes /",
                hex::encode(b.get(..32).unwrap_or_default()),
                b.len()
            )
        }
        Kind::Bytes(b) => format!("h'{}'", hex::encode(b)),
        Kind::Text(t) => {
            let mut out = String::from("\"");
            for c in t.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => {
                        let _ = write!(out, "\\u{:04x}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Kind::Simple(20) => "false".to_owned(),
        Kind::Simple(21) => "true".to_owned(),
        Kind::Simple(22) => "null".to_owned(),
        Kind::Simple(23) => "undefined".to_owned(),
        Kind::Simple(n) => format!("simple({n})"),
        Kind::Float(x) if x.is_nan() => "NaN".to_owned(),
        Kind::Float(x) if x.is_infinite() => {
            if *x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
        }
        Kind::Float(x) => format!("{x:?}"),
        Kind::Array(_) => "[...]".to_owned(),
        Kind::Map(_) => "{...}".to_owned(),
        Kind::Tag(t, _) => format!("{t}(...)"),
        Kind::Embedded(_) => "24(<<...>>)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_embedded_offsets_are_positions_in_the_input() {
        // {"a": 24(<<[1, -2]>>)}
        let input = [0xa1, 0x61, 0x61, 0xd8, 0x18, 0x43, 0x82, 0x01, 0x21];
        let node = parse(&input).unwrap();
        let value = node.get("a").unwrap();
        assert_eq!((value.start, value.end), (3, 9));
        let Kind::Embedded(content) = &value.kind else {
            panic!("not embedded")
        };
        assert_eq!((content.start, content.end), (6, 9));
    }

    #[test]
    fn errors_name_the_offset() {
        assert_eq!(parse(&[0x82, 0x01]).unwrap_err().offset, 0);
        assert_eq!(parse(&[0x83, 0x01, 0x02, 0x61]).unwrap_err().offset, 4);
        assert_eq!(parse(&[0x82, 0x01, 0x02, 0x03]).unwrap_err().offset, 3);
        assert_eq!(
            parse(&[0x5a, 0xff, 0xff, 0xff, 0xff]).unwrap_err().offset,
            5
        );
        assert_eq!(
            parse(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
                .unwrap_err()
                .offset,
            0
        );
        let deep = vec![0x81; 100];
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.offset, MAX_DEPTH + 1);
        assert!(err.problem.contains("nesting"));
        assert_eq!(parse(&[0x01, 0x01]).unwrap_err().offset, 1);
    }

    #[test]
    fn the_item_count_is_bounded() {
        let mut input = vec![0x9a, 0x00, 0x02, 0x00, 0x00];
        input.resize(input.len() + 0x20000, 0x00);
        let err = parse(&input).unwrap_err();
        assert_eq!(err.offset, 5 + MAX_ITEMS - 1);
        assert!(err.problem.contains("items"));
    }

    #[test]
    fn half_floats_decode() {
        assert_eq!(half(0x3c00), 1.0);
        assert_eq!(half(0xc000), -2.0);
        assert_eq!(half(0x0001), 2f64.powi(-24));
    }
}
