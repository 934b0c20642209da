//! The globs of `[[policies]] match`: `*` matches any run of characters (dots and slashes
//! included, since subject names are not paths) and `?` one character; everything else is
//! literal. Matching is iterative with one backtrack point, so it is linear-ish in practice and
//! never recursive.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // The last `*` seen and the name position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry.
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("*.v1alpha*", "shop.orders.v1alpha2-value"));
        assert!(!matches("*.v1alpha*", "shop.orders.v1-value"));
        assert!(matches("scratch.*", "scratch.x"));
        assert!(!matches("scratch.*", "xscratch.x"));
        assert!(matches("shop.?rders-value", "shop.orders-value"));
        assert!(matches("*", ""));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(matches("a*b*c", "aXXbYYbZc"));
        assert!(!matches("a*b*c", "aXXbYY"));
    }
}
