//! Offers by reference (OpenID4VCI §4.1.3): the Credential Offer JSON kept under a random id
//! and served at `GET /offer/{id}` until its pre-authorized code expires.

use std::collections::BTreeMap;
use std::sync::Mutex;

use mdoc::time::Timestamp;

/// Most offers kept at once; the oldest-expiring are dropped first when full.
pub const MAX_OFFERS: usize = 10_000;

/// The offers waiting to be fetched.
#[derive(Debug, Default)]
pub(crate) struct Offers {
    entries: Mutex<BTreeMap<String, (Vec<u8>, Timestamp)>>,
}

impl Offers {
    /// Keeps `json` until `expires`; returns its id.
    pub(crate) fn put(&self, json: Vec<u8>, expires: Timestamp, now: Timestamp) -> String {
        let id: String = mdoc::rng::random_bytes::<16>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, (_, e)| *e > now);
        while entries.len() >= MAX_OFFERS {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, e))| *e)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => entries.remove(&key),
                None => break,
            };
        }
        entries.insert(id.clone(), (json, expires));
        id
    }

    /// The offer under `id`, if live.
    pub(crate) fn get(&self, id: &str, now: Timestamp) -> Option<Vec<u8>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(id)
            .filter(|(_, expires)| *expires > now)
            .map(|(json, _)| json.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_are_served_until_they_expire() {
        let offers = Offers::default();
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let id = offers.put(b"{}".to_vec(), now.plus_seconds(600), now);
        assert_eq!(offers.get(&id, now).as_deref(), Some(&b"{}"[..]));
        assert_eq!(offers.get(&id, now.plus_seconds(600)), None);
        assert_eq!(offers.get("nope", now), None);
        let other = offers.put(b"[]".to_vec(), now.plus_seconds(600), now);
        assert_ne!(id, other);
    }
}
