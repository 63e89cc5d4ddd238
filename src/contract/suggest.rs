//! "Did you mean": the known word closest to one that is not known, by edit distance.
//!
//! `strsim` (the edit-distance crate clap itself uses for its own suggestions) measures the
//! distance; this module decides what is close enough to offer.

/// The known word closest to `word`, if one is close enough to be a likely typo: at most a third
/// of the word's letters changed (at least one), compared without regard to case. Ties go to the
/// first in `known`, so the answer is the same on every run.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let allowed = (lower.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in known {
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_lowercase());
        if distance <= allowed && best.is_none_or(|(shortest, _)| distance < shortest) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` for the known word closest to `word`, if any.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, known).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// A hint for an unknown time zone: the IANA name closest to `name`, else examples.
pub fn timezone_hint(name: &str) -> String {
    let names = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    match closest(name, names) {
        Some(zone) => format!("did you mean `{zone}`? Time zones are IANA names"),
        None => "use an IANA name such as Europe/Berlin, America/New_York or UTC".to_owned(),
    }
}

/// A hint that names the closest known word, or lists them all.
pub fn hint_from(word: &str, what: &str, known: &[&str]) -> String {
    match closest(word, known.iter().copied()) {
        Some(candidate) => format!(
            "did you mean `{candidate}`? Known {what}: {}",
            known.join(", ")
        ),
        None => format!("known {what}: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_word() {
        // One letter dropped, one swapped, one changed: each is one edit away.
        assert_eq!(
            closest("customr", ["id", "customer", "currency"]),
            Some("customer")
        );
        assert_eq!(
            closest("delimter", ["delimiter", "missing"]),
            Some("delimiter")
        );
        assert_eq!(closest("sev9", ["sev1", "sev3"]), Some("sev1"));
        assert_eq!(
            closest("Europe/Berlim", ["Europe/Berlin"]),
            Some("Europe/Berlin")
        );
    }

    #[test]
    fn a_word_far_from_every_known_one_finds_none() {
        // `title` against `timezone`: five edits, more than a third of five letters.
        assert_eq!(closest("title", ["timezone", "currency"]), None);
        // A one-letter word may change one letter, and `x` is two from `id`.
        assert_eq!(closest("x", ["id"]), None);
        assert_eq!(closest("zzzz", ["sev1", "sev2"]), None);
    }

    #[test]
    fn time_zones_are_suggested_from_the_iana_list() {
        assert_eq!(
            timezone_hint("Europe/Amsterdan"),
            "did you mean `Europe/Amsterdam`? Time zones are IANA names"
        );
        assert_eq!(
            timezone_hint("europe/berlin"),
            "did you mean `Europe/Berlin`? Time zones are IANA names"
        );
        assert!(timezone_hint("Mars/Olympus_Mons").starts_with("use an IANA name"));
    }

    #[test]
    fn ties_go_to_the_first_known_word() {
        // `sev` is one edit from both: the first listed wins.
        assert_eq!(closest("sev", ["sev1", "sev2"]), Some("sev1"));
    }
}
