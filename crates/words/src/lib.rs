#![doc = include_str!("../README.md")]

/// `n` with its noun: `one` for 1, `many` otherwise (`1 identity`, `2 identities`).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` with a noun whose plural takes an `s`: `1 payload`, `2 payloads`.
pub fn plural(n: usize, noun: &str) -> String {
    count(n, noun, &format!("{noun}s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "user"), "1 user");
        assert_eq!(plural(0, "user"), "0 users");
        assert_eq!(plural(2, "user"), "2 users");
        assert_eq!(count(1, "retry", "retries"), "1 retry");
        assert_eq!(count(5, "retry", "retries"), "5 retries");
    }
}
