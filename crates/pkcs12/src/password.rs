use std::fmt;

use zeroize::Zeroizing;

use crate::Error;

/// The characters of a Purebred key-sharing password: `a-z A-Z 0-9` and
/// ``!@#$%^&*()_+-=[]{};':,./<>?`~``.
pub const ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()_+-=[]{};':,./<>?`~";

/// Length of a generated password, as Purebred's provider makes them.
pub const GENERATED_LEN: usize = 32;

/// A PKCS#12 password. Wiped from memory when dropped; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password. It may be empty (for reading); writing refuses an empty one.
    pub fn new(s: impl Into<String>) -> Password {
        Password(Zeroizing::new(s.into()))
    }

    /// 32 characters drawn uniformly from [`ALPHABET`] with the OS CSPRNG (via OpenSSL),
    /// as the Purebred provider generates a pack password.
    pub fn generate() -> Password {
        // Rejection sampling keeps the draw uniform: 256 is not a multiple of the alphabet.
        let limit = 256 - 256 % ALPHABET.len();
        let mut out = Zeroizing::new(String::with_capacity(GENERATED_LEN));
        let mut buf = Zeroizing::new([0u8; 64]);
        while out.len() < GENERATED_LEN {
            openssl::rand::rand_bytes(&mut buf[..]).expect("OpenSSL CSPRNG failed");
            for &b in buf.iter().filter(|&&b| (b as usize) < limit) {
                if out.len() == GENERATED_LEN {
                    break;
                }
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
        Password(out)
    }

    /// The password text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks that a password can protect a file iOS will import, and that OpenSSL can
    /// take it (no NUL byte).
    pub(crate) fn check_for_writing(&self) -> Result<(), Error> {
        if self.0.is_empty() {
            return Err(Error::EmptyPassword);
        }
        self.check_nul()
    }

    pub(crate) fn check_nul(&self) -> Result<(), Error> {
        if self.0.contains('\0') {
            return Err(Error::NulInPassword);
        }
        Ok(())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_use_the_alphabet() {
        let a = Password::generate();
        let b = Password::generate();
        assert_eq!(a.as_str().len(), GENERATED_LEN);
        assert!(a.as_str().bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn every_character_is_reachable() {
        // 400 passwords = 12,800 draws over 92 symbols: a missing one would mean a bias.
        let mut seen = [false; 256];
        for _ in 0..400 {
            for c in Password::generate().as_str().bytes() {
                seen[c as usize] = true;
            }
        }
        for &c in ALPHABET {
            assert!(seen[c as usize], "never drew {:?}", c as char);
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::new("hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
