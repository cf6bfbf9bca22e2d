//! AES-256-GCM session messages with the ISO 18013-5 IV construction.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};

use super::keys::SessionKeys;

/// Which side of the session this cipher belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The mdoc reader (verifier).
    Reader,
    /// The mdoc (wallet).
    Device,
}

/// Why a session message could not be sealed or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The message does not decrypt under the expected key and counter: tampered, replayed,
    /// reordered or from another session.
    #[error("session message failed to decrypt (tampered, replayed, reordered or foreign)")]
    Decryption,
    /// The message counter is exhausted; the session must end rather than reuse an IV.
    #[error("session message counter exhausted")]
    CounterExhausted,
    /// The ciphertext is shorter than a GCM tag.
    #[error("session message too short")]
    TooShort,
}

/// Encrypts this side's messages and decrypts the peer's, keeping one counter per direction.
///
/// The IV is the sender's 8-byte identifier (reader `00..00`, mdoc `00..01`) followed by the
/// message counter as 4 bytes big-endian, starting at 1. Counters never wrap: when one is
/// exhausted every further message is refused. A failed decryption does not advance the
/// receive counter.
pub struct SessionCipher {
    role: Role,
    outgoing: Aes256Gcm,
    incoming: Aes256Gcm,
    next_send: u32,
    next_receive: u32,
}

impl std::fmt::Debug for SessionCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCipher")
            .field("role", &self.role)
            .field("next_send", &self.next_send)
            .field("next_receive", &self.next_receive)
            .finish_non_exhaustive()
    }
}

fn identifier(role: Role) -> [u8; 8] {
    match role {
        Role::Reader => [0; 8],
        Role::Device => [0, 0, 0, 0, 0, 0, 0, 1],
    }
}

fn nonce(sender: Role, counter: u32) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut iv = [0u8; 12];
    iv[..8].copy_from_slice(&identifier(sender));
    iv[8..].copy_from_slice(&counter.to_be_bytes());
    iv.into()
}

impl SessionCipher {
    /// The cipher for `role` with the session's keys.
    pub fn new(role: Role, keys: &SessionKeys) -> Self {
        let (own, peer) = match role {
            Role::Reader => (keys.sk_reader(), keys.sk_device()),
            Role::Device => (keys.sk_device(), keys.sk_reader()),
        };
        SessionCipher {
            role,
            outgoing: Aes256Gcm::new(own.into()),
            incoming: Aes256Gcm::new(peer.into()),
            next_send: 1,
            next_receive: 1,
        }
    }

    fn peer(&self) -> Role {
        match self.role {
            Role::Reader => Role::Device,
            Role::Device => Role::Reader,
        }
    }

    /// Encrypts an outgoing message.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, SessionError> {
        let counter = self.next_send;
        if counter == 0 {
            return Err(SessionError::CounterExhausted);
        }
        let sealed = self
            .outgoing
            .encrypt(&nonce(self.role, counter), plaintext)
            .map_err(|_| SessionError::CounterExhausted)?;
        // 0 marks exhaustion: u32::MAX was the last counter that may be used.
        self.next_send = counter.wrapping_add(1);
        Ok(sealed)
    }

    /// Decrypts the peer's next message.
    pub fn decrypt(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, SessionError> {
        let counter = self.next_receive;
        if counter == 0 {
            return Err(SessionError::CounterExhausted);
        }
        if ciphertext.len() < 16 {
            return Err(SessionError::TooShort);
        }
        let opened = self
            .incoming
            .decrypt(&nonce(self.peer(), counter), ciphertext)
            .map_err(|_| SessionError::Decryption)?;
        self.next_receive = counter.wrapping_add(1);
        Ok(opened)
    }

    #[cfg(test)]
    fn with_counters(mut self, send: u32, receive: u32) -> Self {
        self.next_send = send;
        self.next_receive = receive;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (SessionCipher, SessionCipher) {
        let keys = SessionKeys::derive(&[9u8; 32], b"transcript");
        (
            SessionCipher::new(Role::Reader, &keys),
            SessionCipher::new(Role::Device, &keys),
        )
    }

    #[test]
    fn messages_flow_both_ways_in_order() {
        let (mut reader, mut device) = pair();
        for i in 0..3u8 {
            let request = reader.encrypt(&[i; 10]).unwrap();
            assert_eq!(device.decrypt(&request).unwrap(), vec![i; 10]);
            let response = device.encrypt(&[i; 20]).unwrap();
            assert_eq!(reader.decrypt(&response).unwrap(), vec![i; 20]);
        }
    }

    #[test]
    fn replay_reorder_and_tamper_fail_without_advancing() {
        let (mut reader, mut device) = pair();
        let first = reader.encrypt(b"one").unwrap();
        let second = reader.encrypt(b"two").unwrap();
        assert_eq!(device.decrypt(&second), Err(SessionError::Decryption));
        let mut tampered = first.clone();
        tampered[0] ^= 1;
        assert_eq!(device.decrypt(&tampered), Err(SessionError::Decryption));
        assert_eq!(device.decrypt(&first).unwrap(), b"one");
        assert_eq!(device.decrypt(&first), Err(SessionError::Decryption));
        assert_eq!(device.decrypt(&second).unwrap(), b"two");
        assert_eq!(device.decrypt(&[0; 5]), Err(SessionError::TooShort));
        // A message the device sent cannot be fed back to it (reflection).
        let own = device.encrypt(b"x").unwrap();
        assert_eq!(device.decrypt(&own), Err(SessionError::Decryption));
    }

    #[test]
    fn counters_refuse_to_wrap() {
        let (reader, device) = pair();
        let mut reader = reader.with_counters(u32::MAX, 1);
        let mut device = device.with_counters(1, u32::MAX);
        let last = reader.encrypt(b"last").unwrap();
        assert_eq!(
            reader.encrypt(b"again"),
            Err(SessionError::CounterExhausted)
        );
        assert_eq!(device.decrypt(&last).unwrap(), b"last");
        assert_eq!(device.decrypt(&last), Err(SessionError::CounterExhausted));
    }
}
