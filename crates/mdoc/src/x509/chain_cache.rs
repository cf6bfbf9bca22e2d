//! A bounded cache of validated certificate chains, so a verifier checking many credentials
//! from one document signer validates its chain once (one ECDSA verification saved per
//! credential, plus the certificate parsing and profile checks).
//!
//! * **Key**: SHA-256 over the chain purpose and every certificate's DER exactly as received
//!   (each length-prefixed), so a chain with the same leaf but any other byte anywhere is a
//!   different key.
//! * **Owned by one anchor set**: every [`super::TrustAnchors`] holds its own cache; adding an
//!   anchor (or a VICAL's IACAs) gives the changed set a new, empty cache, so no entry outlives
//!   the anchors it was validated against. Clones of an unchanged set share the cache.
//! * **Time**: an entry answers only while the check time lies inside the window in which every
//!   certificate of the path (anchor included) is valid, and while the anchor's trust-list scope
//!   still permits it, both checked against the caller's clock at use time. Otherwise the chain
//!   is validated afresh, so an expired chain gives exactly the error a fresh validation gives.
//! * **Only successes** are stored; a chain that fails validation is validated again next time.
//! * **Bounded**: at most [`ChainCache::capacity`] entries (default
//!   [`DEFAULT_CHAIN_CACHE_CAPACITY`]); when full, the least recently used entry is evicted. A
//!   capacity of 0 turns caching off.
//! * **Thread-safe**: one [`Mutex`], held only for a map lookup or insert, never during a
//!   validation.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

use super::chain::{ChainPurpose, VerifiedChain};
use crate::time::Timestamp;

/// Validated chains a cache keeps by default: one per document signer a verifier sees often.
pub const DEFAULT_CHAIN_CACHE_CAPACITY: usize = 64;

/// The instants between which every certificate of a validated path is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// The latest notBefore of the path.
    pub(crate) not_before: Timestamp,
    /// The earliest notAfter of the path.
    pub(crate) not_after: Timestamp,
}

impl Window {
    fn contains(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// The cache key of a chain: SHA-256 over the purpose and each certificate's length and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ChainKey([u8; 32]);

impl ChainKey {
    pub(crate) fn new(chain: &[Vec<u8>], purpose: ChainPurpose) -> Self {
        let mut hasher = Sha256::new();
        hasher.update([purpose_tag(purpose)]);
        for der in chain {
            hasher.update((der.len() as u64).to_be_bytes());
            hasher.update(der);
        }
        ChainKey(hasher.finalize().into())
    }
}

fn purpose_tag(purpose: ChainPurpose) -> u8 {
    match purpose {
        ChainPurpose::DocumentSigner => 1,
        ChainPurpose::ReaderAuth => 2,
        ChainPurpose::RegistrationSigner => 3,
        ChainPurpose::VicalSigner => 4,
        ChainPurpose::RicalSigner => 5,
    }
}

struct Entry {
    chain: VerifiedChain,
    window: Window,
    last_used: u64,
}

#[derive(Default)]
struct State {
    entries: HashMap<ChainKey, Entry>,
    /// Increases on every use; an entry's `last_used` orders eviction.
    clock: u64,
    hits: u64,
    misses: u64,
}

/// Validated chains by certificate bytes; see the module documentation.
pub struct ChainCache {
    capacity: usize,
    state: Mutex<State>,
}

impl std::fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl Default for ChainCache {
    fn default() -> Self {
        ChainCache::new(DEFAULT_CHAIN_CACHE_CAPACITY)
    }
}

/// How often a cache answered, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainCacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that had to validate (absent, outside the window, or scope no longer current).
    pub misses: u64,
}

impl ChainCache {
    /// An empty cache holding at most `capacity` chains (0: caching off).
    pub fn new(capacity: usize) -> Self {
        ChainCache {
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    /// The most chains kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The chains kept now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> ChainCacheStats {
        let state = self.lock();
        ChainCacheStats {
            hits: state.hits,
            misses: state.misses,
        }
    }

    /// Forgets every chain.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held; a poisoned map is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The chain stored under `key` when `now` lies in its window and `still_trusted` accepts
    /// it (the anchor's scope at `now`); counts a hit or a miss.
    pub(crate) fn get(
        &self,
        key: &ChainKey,
        now: Timestamp,
        still_trusted: impl Fn(&VerifiedChain) -> bool,
    ) -> Option<VerifiedChain> {
        if self.capacity == 0 {
            return None;
        }
        let mut state = self.lock();
        state.clock += 1;
        let clock = state.clock;
        let found = state.entries.get_mut(key).and_then(|entry| {
            if entry.window.contains(now) && still_trusted(&entry.chain) {
                entry.last_used = clock;
                Some(entry.chain.clone())
            } else {
                None
            }
        });
        if found.is_some() {
            state.hits += 1;
        } else {
            state.misses += 1;
        }
        found
    }

    /// Stores a chain that has just passed validation, evicting the least recently used entry
    /// when full.
    pub(crate) fn insert(&self, key: ChainKey, chain: VerifiedChain, window: Window) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.lock();
        state.clock += 1;
        let last_used = state.clock;
        if !state.entries.contains_key(&key) && state.entries.len() >= self.capacity {
            let oldest = state
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| *key);
            if let Some(oldest) = oldest {
                state.entries.remove(&oldest);
            }
        }
        state.entries.insert(
            key,
            Entry {
                chain,
                window,
                last_used,
            },
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    //! The ISO 18013-5 Annex D document signer ("utopia ds", valid 2020-10-01 to 2021-10-01)
    //! and its IACA ("utopia iaca", to 2029-09-29), from `testdata/iso18013-5-annex-d.json`.

    use super::*;
    use crate::x509::{
        AnchorScope, Certificate, ChainError, TrustAnchors, verify_chain, verify_chain_uncached,
    };

    fn vector(name: &str) -> Vec<u8> {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/iso18013-5-annex-d.json")).unwrap();
        hex::decode(vectors[name]["hex"].as_str().unwrap()).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn iaca() -> TrustAnchors {
        TrustAnchors::new(vec![
            Certificate::from_der(&vector("iaca_certificate")).unwrap(),
        ])
    }

    const DS: ChainPurpose = ChainPurpose::DocumentSigner;

    #[test]
    fn a_hit_returns_what_a_fresh_validation_returns() {
        let anchors = iaca();
        let chain = [vector("ds_certificate")];
        let now = at("2021-01-01T00:00:00Z");
        let first = verify_chain(&chain, &anchors, now, DS).unwrap();
        let second = verify_chain(&chain, &anchors, now, DS).unwrap();
        let fresh = verify_chain_uncached(&chain, &anchors, now, DS).unwrap();
        assert_eq!(second, fresh);
        assert_eq!(first, fresh);
        assert_eq!(second.leaf.der(), chain[0].as_slice());
        assert_eq!(second.leaf_key(), fresh.leaf_key());
        assert_eq!(
            second.leaf.subject_common_name().as_deref(),
            Some("utopia ds")
        );
        assert_eq!(
            anchors.chain_cache().stats(),
            ChainCacheStats { hits: 1, misses: 1 }
        );
        // A clone of the unchanged anchors shares the cache.
        let clone = anchors.clone();
        verify_chain(&chain, &clone, now, DS).unwrap();
        assert_eq!(anchors.chain_cache().stats().hits, 2);
        // The purpose is part of the key: the same bytes as a reader certificate are validated
        // (and refused) afresh.
        assert!(matches!(
            verify_chain(&chain, &anchors, now, ChainPurpose::ReaderAuth),
            Err(ChainError::ExtendedKeyUsage { position: 0, .. })
        ));
    }

    #[test]
    fn changed_anchors_miss() {
        let mut anchors = iaca();
        let chain = [vector("ds_certificate")];
        let now = at("2021-01-01T00:00:00Z");
        verify_chain(&chain, &anchors, now, DS).unwrap();
        assert_eq!(anchors.chain_cache().len(), 1);
        anchors.add(Certificate::from_der(&vector("reader_root_certificate")).unwrap());
        assert!(anchors.chain_cache().is_empty());
        verify_chain(&chain, &anchors, now, DS).unwrap();
        assert_eq!(
            anchors.chain_cache().stats(),
            ChainCacheStats { hits: 0, misses: 1 }
        );
        // Extending (a VICAL's IACAs) starts afresh too.
        let before = anchors.clone();
        anchors.extend(&TrustAnchors::default());
        assert!(anchors.chain_cache().is_empty());
        assert_eq!(before.chain_cache().len(), 1);
        // Anchors that no longer hold the IACA refuse, whatever an earlier set cached.
        let other = TrustAnchors::new(vec![
            Certificate::from_der(&vector("reader_root_certificate")).unwrap(),
        ]);
        assert_eq!(
            verify_chain(&chain, &other, now, DS),
            Err(ChainError::UntrustedRoot)
        );
    }

    #[test]
    fn a_cached_chain_expires_at_use_time_with_the_fresh_error() {
        let anchors = iaca();
        let chain = [vector("ds_certificate")];
        verify_chain(&chain, &anchors, at("2021-01-01T00:00:00Z"), DS).unwrap();
        for later in ["2021-10-01T00:00:01Z", "2030-01-01T00:00:00Z"] {
            let cached = verify_chain(&chain, &anchors, at(later), DS);
            let fresh = verify_chain_uncached(&chain, &anchors, at(later), DS);
            assert!(matches!(cached, Err(ChainError::Expired { .. })), "{later}");
            assert_eq!(cached, fresh);
        }
        let early = at("2020-09-30T23:59:59Z");
        assert!(matches!(
            verify_chain(&chain, &anchors, early, DS),
            Err(ChainError::NotYetValid { position: 0, .. })
        ));
        // The window's last second still answers from the cache.
        let hits = anchors.chain_cache().stats().hits;
        verify_chain(&chain, &anchors, at("2021-10-01T00:00:00Z"), DS).unwrap();
        assert_eq!(anchors.chain_cache().stats().hits, hits + 1);
    }

    #[test]
    fn a_trust_list_scope_is_checked_at_use_time() {
        let mut anchors = TrustAnchors::default();
        anchors.add_scoped(
            Certificate::from_der(&vector("iaca_certificate")).unwrap(),
            AnchorScope {
                doc_types: None,
                not_before: None,
                not_after: Some(at("2021-02-01T00:00:00Z")),
            },
        );
        let chain = [vector("ds_certificate")];
        verify_chain(&chain, &anchors, at("2021-01-01T00:00:00Z"), DS).unwrap();
        let later = at("2021-03-01T00:00:00Z");
        let cached = verify_chain(&chain, &anchors, later, DS);
        assert!(matches!(
            cached,
            Err(ChainError::OutsideListedValidity { .. })
        ));
        assert_eq!(cached, verify_chain_uncached(&chain, &anchors, later, DS));
    }

    #[test]
    fn a_chain_with_the_same_leaf_but_other_bytes_misses() {
        let anchors = iaca();
        let now = at("2021-01-01T00:00:00Z");
        let ds = vector("ds_certificate");
        verify_chain(std::slice::from_ref(&ds), &anchors, now, DS).unwrap();
        // The IACA sent along: same leaf, other bytes, validated afresh (and accepted).
        let with_root = [ds.clone(), vector("iaca_certificate")];
        verify_chain(&with_root, &anchors, now, DS).unwrap();
        assert_eq!(
            anchors.chain_cache().stats(),
            ChainCacheStats { hits: 0, misses: 2 }
        );
        // The IACA sent along with one byte of its signature changed is no longer the anchor:
        // refused afresh each time, never answered from the cached leaf, never cached.
        let mut tampered = vector("iaca_certificate");
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let forged = [ds, tampered];
        for _ in 0..2 {
            let refused = verify_chain(&forged, &anchors, now, DS);
            assert!(refused.is_err());
            assert_eq!(refused, verify_chain_uncached(&forged, &anchors, now, DS));
        }
        assert_eq!(anchors.chain_cache().len(), 2);
        assert_eq!(anchors.chain_cache().stats().hits, 0);
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_least_recently_used() {
        let anchors = iaca().with_chain_cache_capacity(2);
        let now = at("2021-01-01T00:00:00Z");
        let ds = vector("ds_certificate");
        let a = vec![ds.clone()];
        let b = vec![ds.clone(), vector("iaca_certificate")];
        let cache = anchors.chain_cache();
        verify_chain(&a, &anchors, now, DS).unwrap();
        verify_chain(&b, &anchors, now, DS).unwrap();
        verify_chain(&a, &anchors, now, DS).unwrap(); // a is now the more recent
        // A third key (another purpose over the same bytes would fail; a direct insert of a
        // third validated chain stands in for a third document signer).
        let chain = verify_chain_uncached(&a, &anchors, now, DS).unwrap();
        let window = Window {
            not_before: now,
            not_after: now,
        };
        cache.insert(ChainKey([9; 32]), chain, window);
        assert_eq!(cache.len(), 2);
        let before = cache.stats();
        verify_chain(&a, &anchors, now, DS).unwrap();
        verify_chain(&b, &anchors, now, DS).unwrap();
        let after = cache.stats();
        assert_eq!(after.hits - before.hits, 1, "a stayed, b was evicted");
        assert_eq!(after.misses - before.misses, 1);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn capacity_zero_turns_caching_off() {
        let anchors = iaca().with_chain_cache_capacity(0);
        let chain = [vector("ds_certificate")];
        let now = at("2021-01-01T00:00:00Z");
        for _ in 0..3 {
            verify_chain(&chain, &anchors, now, DS).unwrap();
        }
        assert!(anchors.chain_cache().is_empty());
        assert_eq!(anchors.chain_cache().stats(), ChainCacheStats::default());
    }

    #[test]
    fn threads_share_one_cache() {
        let anchors = iaca();
        let chain = [vector("ds_certificate")];
        let now = at("2021-01-01T00:00:00Z");
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..5 {
                        verify_chain(&chain, &anchors, now, DS).unwrap();
                    }
                });
            }
        });
        let stats = anchors.chain_cache().stats();
        assert_eq!(stats.hits + stats.misses, 20);
        assert!(stats.hits >= 16, "{stats:?}");
        assert_eq!(anchors.chain_cache().len(), 1);
    }
}
