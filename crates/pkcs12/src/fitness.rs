//! Whether an identity is fit for what a Mail account uses it for: the one rule that
//! `profile build`, `profile lint`, the rollout and key sharing all apply.
//!
//! iOS Mail signs with an identity only when its certificate may sign (keyUsage
//! digitalSignature), may protect email (extendedKeyUsage emailProtection, when the
//! certificate restricts its purposes at all), and names the account's address as the
//! first rfc822Name of its SAN, compared exactly as written. It decrypts only with an
//! identity whose key may encipher keys (keyEncipherment for RSA, keyAgreement for EC).

use pbkit_pki::{ExtendedKeyUsage, Facts, KeyUsageBit};
use serde::Serialize;

/// What a Mail account uses an identity for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmimeUse {
    /// `SMIMESigningCertificateUUID`: signing outgoing mail.
    Signing,
    /// `SMIMEEncryptionCertificateUUID`: decrypting incoming mail.
    Encryption,
}

impl SmimeUse {
    /// `signing` or `encryption`.
    pub fn name(self) -> &'static str {
        match self {
            SmimeUse::Signing => "signing",
            SmimeUse::Encryption => "encryption",
        }
    }

    /// The profile key that names an identity for this use.
    pub fn reference_key(self) -> &'static str {
        match self {
            SmimeUse::Signing => "SMIMESigningCertificateUUID",
            SmimeUse::Encryption => "SMIMEEncryptionCertificateUUID",
        }
    }

    /// The use a reference key names, if it is one of the S/MIME keys.
    pub fn of_reference_key(key: &str) -> Option<SmimeUse> {
        [SmimeUse::Signing, SmimeUse::Encryption]
            .into_iter()
            .find(|u| u.reference_key() == key)
    }
}

/// One reason an identity does not fit its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Unfit {
    /// The keyUsage extension lacks the bit the use needs.
    #[error("the {} identity (serial {serial}) has keyUsage {key_usage}, without {needed}", used_for.name())]
    KeyUsage {
        /// The use.
        used_for: SmimeUse,
        /// The certificate's serial.
        serial: String,
        /// The bits it has (`none` without the extension).
        key_usage: String,
        /// The bit the use needs.
        needed: &'static str,
    },
    /// The extendedKeyUsage extension restricts the key to other purposes.
    #[error("the {} identity (serial {serial}) has extendedKeyUsage {ekus}, without emailProtection", used_for.name())]
    ExtendedKeyUsage {
        /// The use.
        used_for: SmimeUse,
        /// The certificate's serial.
        serial: String,
        /// The purposes it has.
        ekus: String,
    },
    /// A signing identity without an email address in its SAN.
    #[error(
        "the signing identity (serial {serial}) has no SAN email: iOS Mail cannot sign with it"
    )]
    NoEmail {
        /// The certificate's serial.
        serial: String,
    },
    /// The account's address is not the signing identity's first SAN email.
    #[error("the account's address {account} is not the signing identity's first SAN email {first} (iOS Mail compares them exactly): Mail would not sign")]
    Email {
        /// The account's EmailAddress.
        account: String,
        /// The certificate's first rfc822Name.
        first: String,
    },
}

/// Every reason the certificate `facts` does not fit `used_for` in an account whose
/// address is `account` (`None`, or a Jamf variable such as `$EMAIL`: not checked).
/// Empty when it fits.
///
/// ```
/// use pbkit_pkcs12::{fitness, Identity, SmimeUse};
/// # let ids = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles/test-identities");
/// # let der = std::fs::read(format!("{ids}/signature.p12"))?;
/// # let password = pbkit_pkcs12::PasswordSource::File(format!("{ids}/password").into()).read()?;
/// let id = Identity::from_pkcs12(&der, &password)?;
/// let facts = id.certificate().facts()?;
/// assert!(fitness(&facts, SmimeUse::Signing, Some("test.user1@pbkit.test")).is_empty());
/// // Case matters: iOS Mail compares the address exactly.
/// assert_eq!(fitness(&facts, SmimeUse::Signing, Some("Test.User1@pbkit.test")).len(), 1);
/// // A signature certificate cannot decrypt.
/// assert!(!fitness(&facts, SmimeUse::Encryption, None).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fitness(facts: &Facts, used_for: SmimeUse, account: Option<&str>) -> Vec<Unfit> {
    let mut out = Vec::new();
    let serial = || facts.serial.clone();
    let (bit, ok) = match used_for {
        SmimeUse::Signing => (
            KeyUsageBit::DigitalSignature,
            facts.has_key_usage(KeyUsageBit::DigitalSignature),
        ),
        SmimeUse::Encryption => (
            KeyUsageBit::KeyEncipherment,
            facts.has_key_usage(KeyUsageBit::KeyEncipherment)
                || facts.has_key_usage(KeyUsageBit::KeyAgreement),
        ),
    };
    if !ok {
        out.push(Unfit::KeyUsage {
            used_for,
            serial: serial(),
            key_usage: facts
                .key_usage
                .map_or_else(|| "none".to_string(), |k| k.to_string()),
            needed: bit.name(),
        });
    }
    let ekus = &facts.extended_key_usage;
    if !ekus.is_empty()
        && !ekus
            .iter()
            .any(|e| matches!(e, ExtendedKeyUsage::EmailProtection | ExtendedKeyUsage::Any))
    {
        out.push(Unfit::ExtendedKeyUsage {
            used_for,
            serial: serial(),
            ekus: ekus
                .iter()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if used_for == SmimeUse::Signing {
        match (facts.san.email.first(), account) {
            (None, _) => out.push(Unfit::NoEmail { serial: serial() }),
            (Some(first), Some(account)) if !account.starts_with('$') && first != account => out
                .push(Unfit::Email {
                    account: account.to_string(),
                    first: first.clone(),
                }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Identity, PasswordSource};

    fn facts(name: &str) -> Facts {
        let ids = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../profiles/test-identities"
        );
        let password = PasswordSource::File(format!("{ids}/password").into())
            .read()
            .unwrap();
        let der = std::fs::read(format!("{ids}/{name}.p12")).unwrap();
        let id = Identity::from_pkcs12(&der, &password).unwrap();
        id.certificate().facts().unwrap()
    }

    #[test]
    fn each_identity_fits_its_own_use_only() {
        let (sig, enc) = (facts("signature"), facts("encryption"));
        assert!(fitness(&sig, SmimeUse::Signing, Some("test.user1@pbkit.test")).is_empty());
        assert!(fitness(&enc, SmimeUse::Encryption, Some("anything@else.mil")).is_empty());
        let swapped = fitness(&enc, SmimeUse::Signing, Some("test.user1@pbkit.test"));
        assert!(
            matches!(
                swapped[..],
                [Unfit::KeyUsage {
                    needed: "digitalSignature",
                    ..
                }]
            ),
            "{swapped:?}"
        );
        let swapped = fitness(&sig, SmimeUse::Encryption, None);
        assert!(
            matches!(
                swapped[..],
                [Unfit::KeyUsage {
                    needed: "keyEncipherment",
                    ..
                }]
            ),
            "{swapped:?}"
        );
    }

    #[test]
    fn the_address_is_compared_exactly_and_variables_are_skipped() {
        let sig = facts("signature");
        assert!(fitness(&sig, SmimeUse::Signing, Some("$EMAIL")).is_empty());
        assert!(fitness(&sig, SmimeUse::Signing, None).is_empty());
        let e = fitness(&sig, SmimeUse::Signing, Some("TEST.USER1@pbkit.test"));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].to_string().contains("compares them exactly"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn purposes_other_than_email_are_refused() {
        let mut f = facts("signature");
        f.extended_key_usage = vec![ExtendedKeyUsage::ServerAuth];
        let e = fitness(&f, SmimeUse::Signing, None);
        assert!(matches!(e[..], [Unfit::ExtendedKeyUsage { .. }]), "{e:?}");
        f.san.email.clear();
        f.extended_key_usage.clear();
        let e = fitness(&f, SmimeUse::Signing, None);
        assert!(matches!(e[..], [Unfit::NoEmail { .. }]), "{e:?}");
    }
}
