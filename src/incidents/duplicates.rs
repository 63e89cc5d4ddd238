//! Duplicate ids across every row read. Each valid row leaves a 64-bit hash of its id; exports
//! whose ids rise from row to row cannot repeat one and skip the search. Otherwise a sieve keeps
//! the hashes that may repeat, one sort finds the ones that do, and the rows behind them are read
//! again and decided by their id text and full content, so the verdict depends neither on a hash
//! nor on the order of the rows.

use std::collections::{BTreeMap, HashSet};

use super::ExclusionReason;
use super::row::RowCopy;

/// A row read again because its id's hash occurs more than once.
pub(super) struct Candidate {
    /// The row, without its title.
    pub(super) row: RowCopy,
    /// Whether it was counted, or why it was excluded.
    pub(super) kept: Result<(), ExclusionReason>,
}

/// What becomes of a copy of a repeated id that does not count.
pub(super) enum Verdict {
    /// Excluded, as the same as an earlier row (the reason names it).
    Duplicate(ExclusionReason),
    /// Rejected, as it differs from another row with the same id (the reason names them).
    Conflict(String),
}

/// The id hashes that occur more than once across the parts, each given as its file and its
/// fingerprints (sieved to candidates), by the files whose rows have them.
pub(super) fn repeated_ids(parts: &[(u16, &[u64])]) -> BTreeMap<u16, HashSet<u64>> {
    let mut prints: Vec<(u64, u16)> = parts
        .iter()
        .flat_map(|(file, prints)| prints.iter().map(|id| (*id, *file)))
        .collect();
    prints.sort_unstable();
    let mut repeated: BTreeMap<u16, HashSet<u64>> = BTreeMap::new();
    for group in prints.chunk_by(|left, right| left.0 == right.0) {
        if group.len() > 1 {
            for (id, file) in group {
                repeated.entry(*file).or_default().insert(*id);
            }
        }
    }
    repeated
}

/// Decides, for every id that occurs in more than one row, which copies do not count: copies
/// identical in content to the first (in file and line order) are excluded as its duplicates;
/// when any copy differs, every copy is rejected, since slacredit cannot know which is right.
/// A rejected copy names the first copy (the first names the next) and how many others there
/// are: the reasons grow with the number of copies, not with its square.
/// Ids are compared by their text and rows by their content as read (`RowCopy::same_content`),
/// so the verdict depends neither on hashes, nor on the order of the rows, nor on the contracts
/// the rows are bound to.
pub(super) fn resolve_duplicates(
    mut copies: Vec<Candidate>,
    files: &[String],
) -> Vec<(Candidate, Verdict)> {
    copies.sort_by(|left, right| {
        (&left.row.id, left.row.file, left.row.line).cmp(&(
            &right.row.id,
            right.row.file,
            right.row.line,
        ))
    });
    let place =
        |copy: &Candidate| format!("{}:{}", files[usize::from(copy.row.file)], copy.row.line);
    let mut verdicts = Vec::new();
    let mut copies = copies.into_iter().peekable();
    while let Some(first) = copies.next() {
        let mut group = vec![first];
        while let Some(next) = copies.next_if(|next| next.row.id == group[0].row.id) {
            group.push(next);
        }
        if group.len() < 2 {
            continue;
        }
        let identical = group[1..]
            .iter()
            .all(|copy| copy.row.same_content(&group[0].row));
        if identical {
            let reason = ExclusionReason::Duplicate {
                of: place(&group[0]),
            };
            verdicts.extend(
                group
                    .into_iter()
                    .skip(1)
                    .map(|copy| (copy, Verdict::Duplicate(reason.clone()))),
            );
        } else {
            // Each copy names one other and counts the rest, so that n copies give n reasons of
            // a few words each, not n lists of n - 1 places.
            let (first, next) = (place(&group[0]), place(&group[1]));
            let others = group.len() - 1;
            for (index, copy) in group.into_iter().enumerate() {
                let reason = match (others, index) {
                    (1, 0) => format!("the same id appears with different content at {next}"),
                    (1, _) => format!("the same id appears with different content at {first}"),
                    (_, 0) => format!(
                        "the same id appears with different content in {others} other rows, the next at {next}"
                    ),
                    _ => format!(
                        "the same id appears with different content in {others} other rows, the first at {first}"
                    ),
                };
                verdicts.push((copy, Verdict::Conflict(reason)));
            }
        }
    }
    verdicts
}

/// How the ids of a part's rows follow one another: an export in id order can repeat none, and
/// then needs no search for repeated ids.
///
/// Ids are compared by a key: their first 16 bytes, padded with zero bytes, as a big-endian
/// number. A greater key means a greater id (ids that differ only in trailing zero bytes have
/// equal keys, and count as not rising), so keys that rise mean ids that do; an id longer than
/// 16 bytes counts as not rising.
#[derive(Default)]
pub(super) enum IdOrder {
    #[default]
    NoRows,
    /// Each key greater than the one before: the first and the last.
    Rising {
        first: u128,
        last: u128,
    },
    Unordered,
}

impl IdOrder {
    pub(super) fn note(&mut self, id: &str) {
        let key = || {
            let id = id.as_bytes();
            let mut key = [0; 16];
            key.get_mut(..id.len())?.copy_from_slice(id);
            Some(u128::from_be_bytes(key))
        };
        *self = match (&*self, key()) {
            (Self::NoRows, Some(key)) => Self::Rising {
                first: key,
                last: key,
            },
            (Self::Rising { first, last }, Some(key)) if key > *last => Self::Rising {
                first: *first,
                last: key,
            },
            (Self::Unordered, _) => return,
            _ => Self::Unordered,
        };
    }
}

/// Whether no id occurs in two rows of the parts, given by how each part's ids follow one
/// another: each part's ids rise, and each part's begin above where the part before it ends.
pub(super) fn ids_rise_throughout<'a>(parts: impl IntoIterator<Item = &'a IdOrder>) -> bool {
    let mut below: Option<u128> = None;
    for order in parts {
        match *order {
            IdOrder::NoRows => {}
            IdOrder::Rising { first, last } => {
                if below.is_some_and(|below| first <= below) {
                    return false;
                }
                below = Some(last);
            }
            IdOrder::Unordered => return false,
        }
    }
    true
}

/// Keeps, of every part's fingerprints, those whose id may occur more than once: every row of
/// every repeated id, and a few others. Ids are sorted only after this sieve, since a million ids
/// rarely hold more than a handful of repeats.
///
/// The sieve is a table of 16 bits per fingerprint (two megabytes for a million rows), indexed
/// by the top bits of the id hash: a first pass marks every slot seen and every slot seen twice,
/// a second keeps the fingerprints of slots seen twice. All copies of one id share a slot, so
/// none is lost; two different ids share one with a chance of one in sixteen, which costs only
/// the sorting of a few more fingerprints.
pub(super) fn keep_repeated_ids(parts: &mut [&mut Vec<u64>], threads: usize) {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let total: usize = parts.iter().map(|prints| prints.len()).sum();
    let slots = (total * 16).next_power_of_two().max(1 << 16);
    let shift = 64 - slots.trailing_zeros();
    let slot = |id: &u64| {
        let slot = (id >> shift) as usize;
        (slot / 64, 1_u64 << (slot % 64))
    };
    let seen: Vec<AtomicU64> = (0..slots / 64).map(|_| AtomicU64::new(0)).collect();
    let twice: Vec<AtomicU64> = (0..slots / 64).map(|_| AtomicU64::new(0)).collect();
    // The parts shared among up to `threads` threads: each marks its parts, then (once every
    // part is marked) keeps their repeated ids.
    let per_thread = parts.len().div_ceil(threads.max(1)).max(1);
    let marked = std::sync::Barrier::new(parts.len().div_ceil(per_thread));
    std::thread::scope(|scope| {
        for share in parts.chunks_mut(per_thread) {
            let (seen, twice, marked) = (&seen, &twice, &marked);
            scope.spawn(move || {
                for print in share.iter().flat_map(|prints| prints.iter()) {
                    let (word, bit) = slot(print);
                    if seen[word].fetch_or(bit, Relaxed) & bit != 0 {
                        twice[word].fetch_or(bit, Relaxed);
                    }
                }
                marked.wait();
                for prints in share {
                    prints.retain(|print| {
                        let (word, bit) = slot(print);
                        twice[word].load(Relaxed) & bit != 0
                    });
                    prints.shrink_to_fit();
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::row::{Facts, Text};

    #[test]
    fn the_sieve_keeps_every_copy_of_a_repeated_id() {
        let part = |ids: &[u64]| ids.to_vec();
        // Five fingerprints: a table of 65,536 slots, indexed by the top 16 bits of the id.
        // Ids 5, 7, 9 << 40 and 11 all fall in slot 0, so all are kept, though only 7 repeats
        // (across the two files); u64::MAX and 1 << 63 are alone in their slots.
        let (mut first, mut second) = (part(&[9 << 40, 7, u64::MAX, 5]), part(&[7, 1 << 63, 11]));
        keep_repeated_ids(&mut [&mut first, &mut second], 2);
        assert_eq!(first, [9 << 40, 7, 5]);
        assert_eq!(second, [7, 11]);
        // Only 7 occurs twice: the rows of both files with that hash are read again.
        assert_eq!(
            repeated_ids(&[(0, &first), (1, &second)]),
            BTreeMap::from([(0, HashSet::from([7])), (1, HashSet::from([7]))])
        );
    }

    /// A copy read again: `id` at `file:line`, resolved at `resolved`, counted.
    fn copy(id: &str, file: u16, line: u64, resolved: i64) -> Candidate {
        let facts = Facts {
            resolved: Some(resolved),
            ..Facts::default()
        };
        let severity = Text {
            value: "P1",
            as_written: None,
        };
        Candidate {
            row: RowCopy::of(id, (file, line), ("web", severity, None), &facts),
            kept: Ok(()),
        }
    }

    fn verdicts(copies: Vec<Candidate>) -> Vec<String> {
        let files = ["a.csv".to_owned(), "b.csv".to_owned()];
        resolve_duplicates(copies, &files)
            .into_iter()
            .map(|(copy, verdict)| {
                let (what, why) = match verdict {
                    Verdict::Duplicate(why) => ("excluded", why.to_string()),
                    Verdict::Conflict(why) => ("rejected", why),
                };
                format!("{}:{} {what}: {why}", copy.row.file, copy.row.line)
            })
            .collect()
    }

    #[test]
    fn duplicate_verdicts_compare_ids_and_rows_in_full_in_any_order() {
        // X twice, identical: the later row (b.csv:2 comes after a.csv:9) is the duplicate,
        // whatever order the copies are found in. Y twice, resolved at different times: both
        // rejected. Z once: a hash shared with another id, nothing to decide.
        let copies = || {
            vec![
                copy("X", 1, 2, 100),
                copy("Y", 0, 4, 100),
                copy("Z", 0, 5, 100),
                copy("X", 0, 9, 100),
                copy("Y", 1, 7, 200),
            ]
        };
        let expected = [
            "1:2 excluded: duplicate of the identical row at a.csv:9",
            "0:4 rejected: the same id appears with different content at b.csv:7",
            "1:7 rejected: the same id appears with different content at a.csv:4",
        ];
        assert_eq!(verdicts(copies()), expected);
        let mut reversed = copies();
        reversed.reverse();
        assert_eq!(verdicts(reversed), expected);
    }

    fn order_of(ids: &[&str]) -> IdOrder {
        let mut order = IdOrder::default();
        for id in ids {
            order.note(id);
        }
        order
    }

    #[test]
    fn ids_rise_only_while_each_key_is_greater() {
        let rising = |ids: &[&str]| matches!(order_of(ids), IdOrder::Rising { .. });
        assert!(rising(&["INC0000001", "INC0000002", "INC0000010"]));
        // "INC10" < "INC9" as text: the ids do not rise.
        assert!(!rising(&["INC9", "INC10"]));
        assert!(!rising(&["A", "A"]));
        // Ids that differ only in trailing zero bytes share a key: not taken as rising.
        assert!(!rising(&["A", "A\0"]));
        // A prefix comes first: "A" < "AB".
        assert!(rising(&["A", "AB"]));
        // 16 bytes make a key; a 17th does not fit.
        assert!(rising(&["0123456789abcdef"]));
        assert!(!rising(&["0123456789abcdefg"]));
        // Once not rising, never again.
        assert!(!rising(&["B", "A", "C"]));
    }

    #[test]
    fn parts_whose_ids_rise_throughout_hold_no_repeats() {
        let part = order_of;
        assert!(ids_rise_throughout(&[
            part(&["A1", "A3"]),
            part(&[]),
            part(&["A4", "B1"])
        ]));
        // Each part rises, but the second begins below the end of the first: A3 may repeat.
        assert!(!ids_rise_throughout(&[
            part(&["A1", "A3"]),
            part(&["A2", "A3"])
        ]));
        assert!(!ids_rise_throughout(&[part(&["A1", "A3"]), part(&["A3"])]));
        assert!(!ids_rise_throughout(&[part(&["A2", "A1"])]));
    }
}
