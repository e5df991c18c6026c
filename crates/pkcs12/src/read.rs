//! From PFX bytes and a password to keys and certificates.

use openssl::pkey::{PKey, Private};
use pbkit_pki::Certificate;

use crate::kdf::{bmp_password, Purpose};
use crate::structure::{parse_safe_contents, Bag, BagKind, Pfx, Safe};
use crate::{ensure_legacy_provider, Error, Password};

/// A private key found in a PKCS#12, with its bag attributes.
pub struct KeyEntry {
    /// The key.
    pub key: PKey<Private>,
    /// `friendlyName` of its bag.
    pub friendly_name: Option<String>,
    /// `localKeyId` of its bag.
    pub local_key_id: Option<Vec<u8>>,
}

/// A certificate found in a PKCS#12, with its bag attributes.
#[derive(Debug, Clone)]
pub struct CertEntry {
    /// The certificate.
    pub certificate: Certificate,
    /// `friendlyName` of its bag.
    pub friendly_name: Option<String>,
    /// `localKeyId` of its bag.
    pub local_key_id: Option<Vec<u8>>,
}

/// Everything a PKCS#12 holds, decrypted, in file order.
pub struct Contents {
    /// The PFX structure (algorithms, iterations, MAC).
    pub pfx: Pfx,
    /// Private keys.
    pub keys: Vec<KeyEntry>,
    /// Certificates.
    pub certificates: Vec<CertEntry>,
    /// The bags of each safe, decrypted, in the order of `pfx.safes`.
    pub(crate) opened: Vec<Vec<Bag>>,
}

impl Contents {
    /// Verifies the MAC with `password`, decrypts every bag, and collects keys and
    /// certificates.
    pub fn read(der: &[u8], password: &Password) -> Result<Contents, Error> {
        ensure_legacy_provider()?;
        let pfx = Pfx::parse(der)?;
        let pw = password.as_str();
        if pfx.mac.is_some() {
            verify_mac(&pfx, pw)?;
        }
        // With a verified MAC, a decryption failure is damage; without a MAC it is the
        // only sign of a wrong password.
        let undecryptable = |what: &str| {
            if pfx.mac.is_some() {
                Error::Malformed(format!("{what} does not decrypt although the MAC verified"))
            } else {
                Error::WrongPassword
            }
        };
        let opened = pfx
            .safes
            .iter()
            .map(|safe| safe_bags(safe, pw, &undecryptable))
            .collect::<Result<Vec<_>, _>>()?;
        let mut contents = Contents {
            pfx: pfx.clone(),
            keys: Vec::new(),
            certificates: Vec::new(),
            opened: Vec::new(),
        };
        for bags in &opened {
            collect(bags, pw, &mut contents, &undecryptable)?;
        }
        contents.opened = opened;
        Ok(contents)
    }
}

/// The bags of one safe, decrypting it when it is encrypted.
fn safe_bags(
    safe: &Safe,
    pw: &str,
    undecryptable: &dyn Fn(&str) -> Error,
) -> Result<Vec<Bag>, Error> {
    match safe {
        Safe::Plain(b) => Ok(b.clone()),
        Safe::Encrypted {
            algorithm,
            ciphertext,
        } => {
            let plain = algorithm
                .decrypt(pw, ciphertext)
                .map_err(|_| undecryptable("an encrypted safe"))?;
            parse_safe_contents(&plain)
        }
    }
}

fn collect(
    bags: &[Bag],
    pw: &str,
    out: &mut Contents,
    undecryptable: &dyn Fn(&str) -> Error,
) -> Result<(), Error> {
    for bag in bags {
        let key_der = match &bag.kind {
            BagKind::Key(der) => Some(der.clone()),
            BagKind::ShroudedKey {
                algorithm,
                ciphertext,
            } => Some(
                algorithm
                    .decrypt(pw, ciphertext)
                    .map_err(|_| undecryptable("the key bag"))?,
            ),
            BagKind::Certificate(der) => {
                let x509 = openssl::x509::X509::from_der(der).map_err(|_| {
                    Error::Malformed("a certificate bag holds no valid certificate".into())
                })?;
                out.certificates.push(CertEntry {
                    certificate: Certificate::from_x509(x509)?,
                    friendly_name: bag.friendly_name.clone(),
                    local_key_id: bag.local_key_id.clone(),
                });
                None
            }
            BagKind::Nested(inner) => {
                collect(inner, pw, out, undecryptable)?;
                None
            }
            BagKind::Crl | BagKind::Secret | BagKind::Unknown(_) => None,
        };
        if let Some(der) = key_der {
            let key = PKey::private_key_from_pkcs8(&der).map_err(|_| {
                Error::Malformed("a key bag holds no valid PKCS#8 private key".into())
            })?;
            out.keys.push(KeyEntry {
                key,
                friendly_name: bag.friendly_name.clone(),
                local_key_id: bag.local_key_id.clone(),
            });
        }
    }
    Ok(())
}

/// HMAC over the AuthenticatedSafe with the appendix B MAC key. An empty password is
/// also tried as zero bytes, as OpenSSL does for files made without a password.
fn verify_mac(pfx: &Pfx, password: &str) -> Result<(), Error> {
    let mac = pfx.mac.as_ref().expect("caller checked");
    let bmp = bmp_password(password);
    let mut candidates: Vec<&[u8]> = vec![&bmp];
    if password.is_empty() {
        candidates.push(&[]);
    }
    for pw in candidates {
        let md = mac.digest.openssl();
        let key = mac
            .digest
            .pkcs12_kdf(Purpose::Mac, pw, &mac.salt, mac.iterations, md.size());
        let hkey = PKey::hmac(&key)?;
        let mut signer = openssl::sign::Signer::new(md, &hkey)?;
        signer.update(&pfx.auth_safe)?;
        let computed = signer.sign_to_vec()?;
        if computed.len() == mac.value.len() && openssl::memcmp::eq(&computed, &mac.value) {
            return Ok(());
        }
    }
    Err(Error::WrongPassword)
}
