/// Why a PKCS#12 could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A password could not be read from its file or environment variable.
    #[error("{source_name}: {detail}")]
    PasswordSource {
        /// The file or variable, e.g. `password file /x/pw`.
        source_name: String,
        /// What is wrong (never the password).
        detail: String,
    },
    /// The MAC did not verify: almost always a wrong password.
    #[error("wrong password (MAC check failed)")]
    WrongPassword,
    /// The file declares more key-derivation work than the limit allows (a hostile file
    /// would keep pbkit busy for minutes); nothing was derived.
    #[error("declares {declared} key-derivation iterations for {scope}, over the limit of {limit} (raise it with --max-kdf-iterations only for a file you trust)")]
    TooMuchWork {
        /// Iterations declared.
        declared: u64,
        /// The limit.
        limit: u64,
        /// `this file`, or `the files read so far`.
        scope: &'static str,
    },
    /// The bytes are not a PKCS#12 PFX.
    #[error("not a PKCS#12 file")]
    NotPkcs12,
    /// The structure is damaged or truncated; says where.
    #[error("malformed PKCS#12: {0}")]
    Malformed(String),
    /// A bag did not decrypt (internal: turned into WrongPassword or Malformed).
    #[error("decryption failed")]
    DecryptionFailed,
    /// A single identity was expected, but the file holds several private keys.
    #[error("the file holds {0} private keys; expected one identity")]
    SeveralKeys(usize),
    /// The file decrypts but holds no private key.
    #[error("no private key in the file")]
    NoPrivateKey,
    /// The file holds a private key but no certificate with its public key.
    #[error("the private key matches no certificate in the file")]
    KeyMatchesNoCertificate,
    /// The file uses an algorithm OpenSSL cannot process here.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// iOS cannot import a PKCS#12 without a password.
    #[error("empty password refused: iOS cannot import a PKCS#12 without a password")]
    EmptyPassword,
    /// OpenSSL's C API cannot take a password with a NUL byte.
    #[error("password contains a NUL byte")]
    NulInPassword,
    /// The bytes are not a private key, or an encrypted one without its password.
    #[error("not a private key (PEM or DER), or encrypted and its password is missing or wrong")]
    NotPrivateKey,
    /// The key is encrypted and no password was given for it.
    #[error(
        "an encrypted private key: give its password (--key-password-file or --key-password-env)"
    )]
    EncryptedKey,
    /// The private key and certificate given for writing do not belong together.
    #[error("private key does not match the certificate's public key")]
    KeyCertificateMismatch,
    /// OpenSSL could not load its default provider.
    #[error("OpenSSL providers unavailable: {0}")]
    Providers(String),
    /// A key file could not be read, or holds no key ([`crate::read_private_key`]).
    #[error("{path}: {source}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A file could not be read (missing, too large, not a file).
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// A certificate inside the file could not be decoded.
    #[error(transparent)]
    Certificate(#[from] pbkit_pki::Error),
    /// Any other OpenSSL failure.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}
