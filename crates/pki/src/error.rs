/// Why a certificate or bundle could not be read.
///
/// Every variant names the input (`origin`: usually the file path) so that the message
/// stands on its own as a one-line error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has no bytes.
    #[error("{origin}: empty file")]
    Empty {
        /// The input's name.
        origin: String,
    },
    /// The input is neither PEM, a DER certificate nor a DER PKCS#7 bundle.
    #[error("{origin}: not a certificate (expected PEM, DER or a PKCS#7 .p7b/.p7c bundle)")]
    NotCertificate {
        /// The input's name.
        origin: String,
    },
    /// A PEM input is damaged (truncated, bad base64, a block that is not a certificate).
    #[error("{origin}: malformed PEM: {detail}")]
    BadPem {
        /// The input's name.
        origin: String,
        /// What is wrong.
        detail: String,
    },
    /// The input is neither a DER CRL nor PEM holding one.
    #[error("{origin}: not a CRL (expected DER, or PEM with an X509 CRL block)")]
    NotCrl {
        /// The input's name.
        origin: String,
    },
    /// One certificate was expected.
    #[error("{origin}: expected one certificate, found {count}")]
    NotOne {
        /// The input's name.
        origin: String,
        /// How many it holds.
        count: usize,
    },
    /// A PKCS#7 bundle holds no certificates.
    #[error("{origin}: PKCS#7 bundle holds no certificates")]
    EmptyBundle {
        /// The input's name.
        origin: String,
    },
    /// A certificate parsed with OpenSSL but an extension or field could not be decoded.
    #[error("certificate {subject}: {detail}")]
    BadField {
        /// The certificate's subject.
        subject: String,
        /// What could not be decoded.
        detail: String,
    },
    /// The input file could not be read (missing, too large, not a file).
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// The input could not be read from disk.
    #[error("{origin}: {source}")]
    Io {
        /// The input's name.
        origin: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// OpenSSL failed on an operation that is not about the input's format.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

impl Error {
    /// Why a certificate that parsed could not be read further, in words: OpenSSL's
    /// reason rather than its error stack (`its public key cannot be decoded (OpenSSL:
    /// decode error)` for a DSA key whose parameters come from its issuer).
    pub fn undecodable(&self) -> String {
        match self {
            Error::OpenSsl(stack) => {
                let part = match stack.errors().first().and_then(|x| x.function()) {
                    Some(f) if f.contains("PUBKEY") => "its public key cannot be decoded",
                    _ => "it cannot be decoded",
                };
                format!("{part} ({})", self.reason())
            }
            other => format!("it cannot be decoded ({other})"),
        }
    }

    /// The reason in words: OpenSSL's first reason (`OpenSSL: decode error`) rather than
    /// its error stack, else the error itself.
    pub fn reason(&self) -> String {
        match self {
            Error::OpenSsl(stack) => match stack.errors().first().and_then(|x| x.reason()) {
                Some(reason) => format!("OpenSSL: {reason}"),
                None => "OpenSSL".to_string(),
            },
            other => other.to_string(),
        }
    }
}
