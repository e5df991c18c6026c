use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::stack::Stack;
use pbkit_pki::Certificate;

use crate::{ensure_legacy_provider, Contents, Error, Password, Suite};

/// A private key, its certificate, and optionally the certificates of its chain.
pub struct Identity {
    key: PKey<Private>,
    certificate: Certificate,
    chain: Vec<Certificate>,
    friendly_name: Option<String>,
}

/// How to write a PKCS#12: the suite and its knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// The algorithms.
    pub suite: Suite,
    /// PBE iterations for the bags (the MAC's follow from the suite, see
    /// [`Suite::mac_iterations`]).
    pub iterations: u32,
    /// `friendlyName` of the key and certificate bags (Purebred's provider writes `SKP`).
    pub friendly_name: Option<String>,
    /// Protect the file with a PBMAC1 (RFC 9579: HMAC-SHA-256 keyed by PBKDF2) instead of
    /// the suite's PKCS#12-KDF MAC. Whether iOS imports it is unknown (no device report).
    pub pbmac1: bool,
}

impl WriteOptions {
    /// The suite with 2048 iterations and no friendly name.
    pub fn new(suite: Suite) -> WriteOptions {
        WriteOptions {
            suite,
            iterations: 2048,
            friendly_name: None,
            pbmac1: false,
        }
    }

    /// Uses a PBMAC1 (RFC 9579) for the file's MAC.
    pub fn pbmac1(mut self, on: bool) -> WriteOptions {
        self.pbmac1 = on;
        self
    }

    /// Sets the friendly name.
    pub fn friendly_name(mut self, name: impl Into<String>) -> WriteOptions {
        self.friendly_name = Some(name.into());
        self
    }

    /// Sets the iteration count.
    pub fn iterations(mut self, iterations: u32) -> WriteOptions {
        self.iterations = iterations;
        self
    }
}

/// Reads a private key: PEM (PKCS#8, traditional, or encrypted with `password`) or DER.
pub fn private_key_from_bytes(
    bytes: &[u8],
    password: Option<&Password>,
) -> Result<PKey<Private>, Error> {
    // PEM, possibly after text (openssl pkcs12 -nocerts writes "Bag Attributes" first).
    let pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let parsed = if pem {
        match password {
            Some(p) => PKey::private_key_from_pem_passphrase(bytes, p.as_str().as_bytes()),
            // Never OpenSSL's own prompt (it would read the terminal or stdin): an
            // encrypted key without a password is an error that says so.
            None if is_encrypted_pem(bytes) => return Err(Error::EncryptedKey),
            None => PKey::private_key_from_pem_callback(bytes, |_| Ok(0)),
        }
    } else {
        PKey::private_key_from_der(bytes)
    };
    parsed.map_err(|_| Error::NotPrivateKey)
}

/// Reads a private key file ([`private_key_from_bytes`]; at most
/// [`crate::KEY_FILE_LIMIT`], its bytes zeroized after): an error names the file.
pub fn read_private_key(
    path: &std::path::Path,
    password: Option<&Password>,
) -> Result<PKey<Private>, Error> {
    let bytes = pbkit_infile::read_secret(path, crate::KEY_FILE_LIMIT)?;
    private_key_from_bytes(&bytes, password).map_err(|e| Error::KeyFile {
        path: path.display().to_string(),
        source: Box::new(e),
    })
}

/// Whether a PEM private key is encrypted: PKCS#8's `ENCRYPTED PRIVATE KEY`, or the
/// traditional `Proc-Type: 4,ENCRYPTED` header.
fn is_encrypted_pem(bytes: &[u8]) -> bool {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || has(b"Proc-Type: 4,ENCRYPTED")
}

impl Identity {
    /// Pairs a key with its certificate; refuses a pair whose public keys differ.
    pub fn new(key: PKey<Private>, certificate: Certificate) -> Result<Identity, Error> {
        if !certificate.x509().public_key()?.public_eq(&key) {
            return Err(Error::KeyCertificateMismatch);
        }
        Ok(Identity {
            key,
            certificate,
            chain: Vec::new(),
            friendly_name: None,
        })
    }

    /// Adds chain certificates, written after the leaf.
    pub fn with_chain(mut self, chain: Vec<Certificate>) -> Identity {
        self.chain = chain;
        self
    }

    /// Adds certificates to the chain it has, each once, never its own certificate
    /// (`p12 repack --chain` of a bundle that holds the leaf or the chain again).
    pub fn with_more_chain(mut self, more: impl IntoIterator<Item = Certificate>) -> Identity {
        for c in more {
            if !self.chain.contains(&c) && c != self.certificate {
                self.chain.push(c);
            }
        }
        self
    }

    /// The private key.
    pub fn key(&self) -> &PKeyRef<Private> {
        &self.key
    }

    /// The leaf certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The other certificates (chain), in file order.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Reads a PKCS#12 holding one identity (one private key). The certificate is the
    /// one whose public key matches the key, wherever it sits in the file; the others
    /// become the chain.
    pub fn from_pkcs12(der: &[u8], password: &Password) -> Result<Identity, Error> {
        Identity::from_contents(Contents::read(der, password)?)
    }

    /// The identity of already-read contents; see [`Identity::from_pkcs12`].
    pub fn from_contents(contents: Contents) -> Result<Identity, Error> {
        // A bag that did not decode would silently be missing from the identity.
        if let Some(problem) = contents.problems.into_iter().next() {
            return Err(problem);
        }
        let mut keys = contents.keys;
        let entry = match keys.len() {
            0 => return Err(Error::NoPrivateKey),
            1 => keys.remove(0),
            n => return Err(Error::SeveralKeys(n)),
        };
        let mut certs = contents.certificates;
        let position = certs
            .iter()
            .position(|c| {
                c.certificate
                    .x509()
                    .public_key()
                    .is_ok_and(|p| p.public_eq(&entry.key))
            })
            .ok_or(Error::KeyMatchesNoCertificate)?;
        let leaf = certs.remove(position);
        Ok(Identity {
            key: entry.key,
            friendly_name: entry.friendly_name.or(leaf.friendly_name),
            certificate: leaf.certificate,
            chain: certs.into_iter().map(|c| c.certificate).collect(),
        })
    }

    /// The `friendlyName` read from the file, if any.
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }

    /// Writes this identity as a PKCS#12 (DER) with the given suite. The legacy suites are
    /// written by pbkit's own writer, `modern` by OpenSSL.
    pub fn to_pkcs12(&self, password: &Password, options: &WriteOptions) -> Result<Vec<u8>, Error> {
        ensure_legacy_provider()?;
        password.check_for_writing()?;
        let suite = options.suite;
        if suite != Suite::Modern {
            let pkcs8 = zeroize::Zeroizing::new(self.key.private_key_to_pkcs8()?);
            let chain: Vec<&[u8]> = self.chain.iter().map(Certificate::der).collect();
            let parts = crate::write::Parts {
                pkcs8: &pkcs8,
                certificate: self.certificate.der(),
                chain: &chain,
            };
            let [one] = crate::write::write_legacy_many([parts], password, options)?;
            return Ok(one);
        }
        if options.pbmac1 {
            return Err(Error::UnsupportedAlgorithm(
                "PBMAC1 with the modern suite (written by OpenSSL, which has PBMAC1 from 3.4 \
                 on); use ios-legacy or purebred"
                    .into(),
            ));
        }
        let mut builder = Pkcs12::builder();
        builder
            .pkey(&self.key)
            .cert(self.certificate.x509())
            .key_algorithm(suite.key_nid())
            .cert_algorithm(suite.cert_nid())
            .key_iter(options.iterations)
            .mac_iter(suite.mac_iterations(options.iterations))
            .mac_md(suite.mac_md());
        if let Some(name) = &options.friendly_name {
            builder.name(name);
        }
        if !self.chain.is_empty() {
            let mut stack = Stack::new()?;
            for c in &self.chain {
                stack.push(c.x509().to_owned())?;
            }
            builder.ca(stack);
        }
        Ok(builder.build2(password.as_str())?.to_der()?)
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("certificate", &self.certificate)
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/purebred-skp"
    );

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn reads_every_purebred_fixture() {
        let pw = Password::new("password");
        let mut n = 0;
        for entry in std::fs::read_dir(FIXTURES).unwrap() {
            let der = std::fs::read(entry.unwrap().path()).unwrap();
            let id = Identity::from_pkcs12(&der, &pw).unwrap();
            assert!(id
                .certificate()
                .facts()
                .unwrap()
                .subject
                .contains("pb.user1"));
            n += 1;
        }
        assert_eq!(n, 8);
    }

    #[test]
    fn more_chain_adds_each_certificate_once_and_never_the_leaf() {
        let pw = Password::new("password");
        let open = |name| Identity::from_pkcs12(&fixture(name), &pw).unwrap();
        let id = open("974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12");
        let other = open("37f1cca56ad3d10fd35337f2803c7793d22d1099.p12")
            .certificate()
            .clone();
        let before = id.chain().len();
        let leaf = id.certificate().clone();
        let id = id.with_more_chain([leaf, other.clone(), other.clone()]);
        assert_eq!(id.chain().len(), before + 1);
        assert_eq!(id.chain().last(), Some(&other));
    }

    #[test]
    fn a_key_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n").unwrap();
        match read_private_key(&path, None) {
            Err(Error::KeyFile { path: p, source }) => {
                assert_eq!(p, path.display().to_string());
                assert!(matches!(*source, Error::EncryptedKey), "{source:?}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn wrong_password_is_named() {
        let der = fixture("974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12");
        let e = Identity::from_pkcs12(&der, &Password::new("wrong")).unwrap_err();
        assert!(matches!(e, Error::WrongPassword), "{e:?}");
    }

    #[test]
    fn garbage_is_not_pkcs12() {
        let e = Identity::from_pkcs12(b"not a pfx", &Password::new("x")).unwrap_err();
        assert!(matches!(e, Error::NotPkcs12), "{e:?}");
    }

    #[test]
    fn every_suite_round_trips_and_refuses_empty_password() {
        let id = Identity::from_pkcs12(
            &fixture("974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12"),
            &Password::new("password"),
        )
        .unwrap();
        for suite in Suite::ALL {
            let pw = Password::generate();
            let der = id.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap();
            let back = Identity::from_pkcs12(&der, &pw).unwrap();
            assert_eq!(back.certificate(), id.certificate(), "{suite}");
            assert!(back.key().public_eq(id.key()), "{suite}");
            let e = id
                .to_pkcs12(&Password::new(""), &WriteOptions::new(suite))
                .unwrap_err();
            assert!(matches!(e, Error::EmptyPassword));
        }
    }

    #[test]
    fn mismatched_key_is_refused() {
        let (key, _) = crate::doc_identity();
        let (_, cert) = crate::doc_identity();
        assert!(matches!(
            Identity::new(key, cert),
            Err(Error::KeyCertificateMismatch)
        ));
    }
}
