//! Command and response APDUs (ISO/IEC 7816-4), short and extended length.

use super::NfcError;

/// Status word: success.
pub const SW_OK: u16 = 0x9000;
/// Status word: wrong length.
pub const SW_WRONG_LENGTH: u16 = 0x6700;
/// Status word: command not allowed (no current file, wrong state).
pub const SW_NOT_ALLOWED: u16 = 0x6986;
/// Status word: file or application not found.
pub const SW_NOT_FOUND: u16 = 0x6a82;
/// Status word: incorrect P1/P2.
pub const SW_WRONG_P1P2: u16 = 0x6a86;
/// Status word: offset outside the file.
pub const SW_WRONG_OFFSET: u16 = 0x6b00;
/// Status word: instruction not supported.
pub const SW_INS_NOT_SUPPORTED: u16 = 0x6d00;
/// Status word: class not supported.
pub const SW_CLA_NOT_SUPPORTED: u16 = 0x6e00;
/// Status word: no precise diagnosis (the conversation has been ended).
pub const SW_UNKNOWN: u16 = 0x6f00;

/// INS: SELECT.
pub const INS_SELECT: u8 = 0xa4;
/// INS: READ BINARY.
pub const INS_READ_BINARY: u8 = 0xb0;
/// INS: UPDATE BINARY.
pub const INS_UPDATE_BINARY: u8 = 0xd6;

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (empty when there is no Lc).
    pub data: Vec<u8>,
    /// Expected response length, when Le is present (Le 0 means 256, or 65536 extended).
    pub le: Option<usize>,
}

impl Command {
    /// A command with data and an optional Le.
    pub fn new(ins: u8, p1: u8, p2: u8, data: Vec<u8>, le: Option<usize>) -> Self {
        Command {
            cla: 0,
            ins,
            p1,
            p2,
            data,
            le,
        }
    }

    /// Encodes the command, in short form when data and Le fit, otherwise extended.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        let extended = self.data.len() > 255 || self.le.is_some_and(|le| le > 256);
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(
                    &u16::try_from(self.data.len())
                        .unwrap_or(u16::MAX)
                        .to_be_bytes(),
                );
            } else {
                out.push(u8::try_from(self.data.len()).unwrap_or(u8::MAX));
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&((le & 0xffff) as u16).to_be_bytes());
            } else {
                out.push((le & 0xff) as u8);
            }
        }
        out
    }

    /// Parses a command APDU (cases 1–4, short or extended).
    pub fn parse(bytes: &[u8]) -> Result<Self, NfcError> {
        let bad = || NfcError::Apdu("bad length fields");
        let (header, body) = bytes
            .split_first_chunk::<4>()
            .ok_or(NfcError::Apdu("shorter than a header"))?;
        let [cla, ins, p1, p2] = *header;
        let (data, le) = match body {
            [] => (Vec::new(), None),
            [le] => (
                Vec::new(),
                Some(if *le == 0 { 256 } else { usize::from(*le) }),
            ),
            [0, a, b] => {
                let le = usize::from(u16::from_be_bytes([*a, *b]));
                (Vec::new(), Some(if le == 0 { 65536 } else { le }))
            }
            [0, hi, lo, rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                if lc == 0 || rest.len() < lc {
                    return Err(bad());
                }
                let (data, tail) = rest.split_at(lc);
                let le = match tail {
                    [] => None,
                    [a, b] => {
                        let le = usize::from(u16::from_be_bytes([*a, *b]));
                        Some(if le == 0 { 65536 } else { le })
                    }
                    _ => return Err(bad()),
                };
                (data.to_vec(), le)
            }
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() < lc {
                    return Err(bad());
                }
                let (data, tail) = rest.split_at(lc);
                let le = match tail {
                    [] => None,
                    [le] => Some(if *le == 0 { 256 } else { usize::from(*le) }),
                    _ => return Err(bad()),
                };
                (data.to_vec(), le)
            }
        };
        Ok(Command {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
        })
    }
}

/// A response APDU: data then the two status bytes.
pub fn response(data: &[u8], sw: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&sw.to_be_bytes());
    out
}

/// Splits a response APDU into its data and status word.
pub fn parse_response(bytes: &[u8]) -> Result<(&[u8], u16), NfcError> {
    let (data, sw) = bytes
        .split_last_chunk::<2>()
        .ok_or(NfcError::Apdu("response shorter than a status word"))?;
    Ok((data, u16::from_be_bytes(*sw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_in_short_and_extended_form() {
        for c in [
            Command::new(INS_SELECT, 4, 0, vec![0xd2, 0x76], Some(256)),
            Command::new(INS_READ_BINARY, 0, 2, vec![], Some(0x20)),
            Command::new(INS_READ_BINARY, 0, 2, vec![], Some(1000)),
            Command::new(INS_UPDATE_BINARY, 0, 0, vec![7; 300], None),
            Command::new(INS_UPDATE_BINARY, 0, 0, vec![7; 3], None),
            Command::new(INS_SELECT, 0, 0, vec![], None),
        ] {
            assert_eq!(Command::parse(&c.encode()).unwrap(), c);
        }
        let select = Command::new(INS_SELECT, 0, 0x0c, vec![0xe1, 0x03], None).encode();
        assert_eq!(select, [0, 0xa4, 0, 0x0c, 2, 0xe1, 0x03]);
    }

    #[test]
    fn bad_apdus_are_refused() {
        for bad in [
            &[][..],
            &[0, 0xa4, 4],
            &[0, 0xa4, 4, 0, 5, 1, 2],
            &[0, 0xa4, 4, 0, 1, 1, 2, 3],
            &[0, 0xd6, 0, 0, 0, 0, 0, 1],
            &[0, 0xd6, 0, 0, 0, 0, 9, 1],
            &[0, 0xd6, 0, 0, 0, 0, 1, 1, 1],
        ] {
            assert!(Command::parse(bad).is_err(), "{bad:02x?}");
        }
        assert!(parse_response(&[0x90]).is_err());
        assert_eq!(parse_response(&[1, 0x90, 0]).unwrap(), (&[1u8][..], SW_OK));
    }
}
