//! Subject patterns of ACL entries: `*` matches any run of characters (also none), `?` exactly
//! one, everything else itself, case-sensitively. `orders-*` covers `orders-value`; `*` covers
//! every subject.
//!
//! Left out: character classes and escapes (subject names rarely need them, and a pattern
//! language nobody has to look up is easier to audit). Matching is the classic two-pointer
//! walk: linear in practice, `O(pattern × subject)` at worst, no recursion and no allocation.

/// A compiled subject pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Box<[char]>,
    /// The pattern is exactly `*`: every subject, and the registry as a whole.
    everything: bool,
}

impl Glob {
    /// The pattern `text`.
    pub fn new(text: &str) -> Glob {
        Glob {
            pattern: text.chars().collect(),
            everything: text == "*",
        }
    }

    /// Whether this is `*`, which also grants registry-wide operations (global config and
    /// mode, contexts, routes about no one subject).
    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// Whether `subject` matches.
    pub fn matches(&self, subject: &str) -> bool {
        if self.everything {
            return true;
        }
        let pattern = &self.pattern;
        let text: Vec<char> = subject.chars().collect();
        let (mut p, mut t) = (0, 0);
        // Where the last `*` was seen, and the text position it currently swallows up to.
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, t));
                    p += 1;
                }
                Some('?') => {
                    p += 1;
                    t += 1;
                }
                Some(c) if *c == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    // Let the last `*` swallow one more character and retry after it.
                    Some((star_p, star_t)) => {
                        p = star_p + 1;
                        t = star_t + 1;
                        star = Some((star_p, star_t + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[p..].iter().all(|c| *c == '*')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        let cases = [
            ("*", "anything", true),
            ("*", "", true),
            ("orders-*", "orders-value", true),
            ("orders-*", "orders-", true),
            ("orders-*", "order-value", false),
            ("*-value", "orders-value", true),
            ("*-value", "orders-key", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("exact", "exact", true),
            ("exact", "Exact", false),
            (":.team:*", ":.team:orders", true),
            (":.team:*", "orders", false),
            ("**", "x", true),
            ("ü*", "über", true),
        ];
        for (pattern, subject, expected) in cases {
            assert_eq!(
                Glob::new(pattern).matches(subject),
                expected,
                "{pattern} vs {subject}"
            );
        }
    }

    #[test]
    fn long_inputs_stay_cheap() {
        // Many stars against a long near miss: the two-pointer walk does not blow up.
        let pattern = Glob::new(&"*a".repeat(50));
        let subject = "a".repeat(49) + "b";
        assert!(!pattern.matches(&subject));
    }
}
