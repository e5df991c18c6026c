use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::Error;

/// The characters of a Purebred key-sharing password: `a-z A-Z 0-9` and
/// ``!@#$%^&*()_+-=[]{};':,./<>?`~``.
pub const ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()_+-=[]{};':,./<>?`~";

/// Length of a generated password, as Purebred's provider makes them.
pub(crate) const GENERATED_LEN: usize = 32;

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
    #[expect(
        clippy::expect_used,
        reason = "a CSPRNG that fails leaves no safe password to return"
    )]
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

/// Where a password comes from: a file or an environment variable, never a command line
/// (where every user of the machine can read it).
///
/// ```
/// use pbkit_pkcs12::PasswordSource;
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("pw");
/// std::fs::write(&path, "s3cret\n")?;
/// let password = PasswordSource::File(path).read()?;
/// assert_eq!(password.as_str(), "s3cret"); // one trailing newline is the file's
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordSource {
    /// A file holding the password; one trailing newline (`\n` or `\r\n`) is not part of it.
    File(PathBuf),
    /// The name of an environment variable holding the password.
    Env(String),
}

impl PasswordSource {
    /// The longest password file read: a password, not a whole disk.
    pub const FILE_LIMIT: pbkit_infile::Limit = pbkit_infile::Limit::new(4096, "a password file");

    /// Reads the password. Every buffer that held it is wiped; errors name the source,
    /// never the password.
    pub fn read(&self) -> Result<Password, Error> {
        let bad = |detail: String| Error::PasswordSource {
            source_name: self.to_string(),
            detail,
        };
        let bytes = match self {
            PasswordSource::File(path) => pbkit_infile::read_secret(path, Self::FILE_LIMIT)
                .map_err(|e| bad(e.problem.to_string()))?,
            PasswordSource::Env(name) => match std::env::var_os(name) {
                None => return Err(bad("not set".into())),
                Some(value) => Zeroizing::new(value.into_encoded_bytes()),
            },
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| bad("not UTF-8".into()))?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        Ok(Password::new(text))
    }

    /// The same source with a relative file path taken from `base` (a spec's or a
    /// roster's folder).
    pub fn relative_to(&self, base: &Path) -> PasswordSource {
        match self {
            PasswordSource::File(p) => PasswordSource::File(base.join(p)),
            env => env.clone(),
        }
    }
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::File(p) => write!(f, "password file {}", p.display()),
            PasswordSource::Env(n) => write!(f, "environment variable {n}"),
        }
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
    fn sources_strip_one_newline_and_never_show_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            PasswordSource::File(p)
        };
        assert_eq!(file("a", b"pw\r\n").read().unwrap().as_str(), "pw");
        assert_eq!(file("b", b"pw\n\n").read().unwrap().as_str(), "pw\n");
        assert_eq!(file("c", b"").read().unwrap().as_str(), "");
        let canary = b"Secret-Passw0rd\xff";
        let e = file("d", canary).read().unwrap_err().to_string();
        assert!(e.ends_with("/d: not UTF-8"), "{e}");
        assert!(!e.contains("Secret"), "{e}");
        let e = file("e", &[b'x'; 5000]).read().unwrap_err().to_string();
        assert!(
            e.ends_with("/e: larger than 4 KiB: not a password file"),
            "{e}"
        );
        let e = PasswordSource::File(dir.path().join("none"))
            .read()
            .unwrap_err();
        assert!(
            e.to_string().ends_with("/none: no such file or folder"),
            "{e}"
        );
        let e = PasswordSource::Env("PBKIT_TEST_SURELY_UNSET".into())
            .read()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable PBKIT_TEST_SURELY_UNSET: not set"
        );
        let base = PasswordSource::File("pw".into()).relative_to(Path::new("/roster"));
        assert_eq!(base, PasswordSource::File("/roster/pw".into()));
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::new("hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
