//! Fast, deterministic 64-bit fingerprints for duplicate detection and the routing cache.
//!
//! FNV-1a over the bytes, then the `splitmix64` finalizer so that similar ids (`INC0000001`,
//! `INC0000002`) spread over all 64 bits. A fingerprint only finds candidates: the rows of ids
//! whose fingerprints repeat are read again and compared by their text, so two ids that share a
//! fingerprint (an export can build such a pair on purpose) still count as the ids they are.

use std::hash::{BuildHasherDefault, Hasher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// `splitmix64`'s finalizer: every input bit affects every output bit.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// One step of a fingerprint: for a fixed `word` it maps states one to one (an odd multiplier
/// and a rotation), so two sequences that differ in one word always end in different states.
fn step(state: u64, word: u64) -> u64 {
    (state ^ word)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(29)
}

/// The fingerprint of a text, eight bytes at a time.
pub fn of_text(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut state = FNV_OFFSET ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        state = step(state, u64::from_le_bytes(eight));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0; 8];
        last[..rest.len()].copy_from_slice(rest);
        state = step(state, u64::from_le_bytes(last));
    }
    mix(state)
}

/// How the reader hashes ids to find the ones that may repeat: [`of_text`] in every run. A test
/// can hand the reader another function (one that gives every id the same hash) to show that a
/// verdict never rests on a hash: ids are compared by their text, rows by their content.
#[derive(Clone, Copy)]
pub(crate) struct IdHash(fn(&str) -> u64);

impl IdHash {
    /// The fingerprint every run uses.
    pub(crate) const STANDARD: Self = Self(of_text);

    /// Ids hashed by `hash` (for tests that force collisions).
    #[cfg(test)]
    pub(crate) const fn with(hash: fn(&str) -> u64) -> Self {
        Self(hash)
    }

    /// The hash of `id`.
    #[inline]
    pub(crate) fn of(self, id: &str) -> u64 {
        (self.0)(id)
    }
}

/// A `Hasher` for hash maps keyed by short strings; see the module comment.
pub struct FingerprintState(u64);

impl Default for FingerprintState {
    fn default() -> Self {
        Self(FNV_OFFSET)
    }
}

impl Hasher for FingerprintState {
    /// Eight bytes at a time, as [`of_text`]: the routing cache hashes a service value for
    /// nearly every row (on the realistic bench, 200 services of about 15 bytes), and a byte at a
    /// time cost twice the multiplications. A hash map's answers do not depend on its hasher.
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut eight = [0; 8];
            eight.copy_from_slice(word);
            self.0 = step(self.0, u64::from_le_bytes(eight));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.0 = step(self.0, u64::from_le_bytes(last) ^ FNV_PRIME);
        }
    }

    fn finish(&self) -> u64 {
        mix(self.0)
    }
}

/// Builds fingerprint hashers (eight bytes at a time, see `of_text`) for `HashMap`.
pub type FingerprintHasher = BuildHasherDefault<FingerprintState>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn fingerprints_are_stable_and_spread() {
        // Stable across runs and builds: the duplicate verdicts must not depend on the machine.
        assert_eq!(of_text("INC0000001"), of_text("INC0000001"));
        assert_ne!(of_text("INC0000001"), of_text("INC0000002"));
        // A million sequential ids give a million different fingerprints.
        let distinct: HashSet<u64> = (0..1_000_000)
            .map(|number| of_text(&format!("INC{number:07}")))
            .collect();
        assert_eq!(distinct.len(), 1_000_000);
    }
}
