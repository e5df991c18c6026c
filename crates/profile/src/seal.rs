//! What happens to a profile between building it and writing it, in Apple's order: the
//! payloads encrypted to devices (optional), then the whole signed (optional), then the
//! size MDM servers accept checked. One path for `profile build`, `sign`, `encrypt`, a
//! rollout's every user and the demo, so none of them skips a step or takes another order.
//!
//! ```no_run
//! # fn main() -> Result<(), pbkit_profile::Error> {
//! use pbkit_profile::{seal::Seal, Signer, Spec, BuildContext};
//! let spec = Spec::read("profiles/purebred-exchange.toml".as_ref())?;
//! let profile = spec.build("purebred-exchange.toml", &BuildContext::default())?;
//! let password = pbkit_pkcs12::Password::new("signer password");
//! let signer = Signer::load("signer.p12".as_ref(), &password, &[])?;
//! let sealed = Seal::new().signed_by(&signer).profile(&profile)?;
//! if let Some(oversize) = sealed.oversize() {
//!     eprintln!("warning: {oversize}");
//! }
//! sealed.write("exchange.mobileconfig".as_ref())?;
//! # Ok(()) }
//! ```

use std::path::Path;

use pbkit_outfile::Perm;
use pbkit_pki::Certificate;
use time::OffsetDateTime;

use crate::{lint::MAX_SIZE, Error, Profile, Signer};

/// How a profile leaves pbkit: to whom its payloads are encrypted, and who signs it.
#[derive(Clone, Copy, Default)]
#[must_use]
pub struct Seal<'a> {
    recipients: &'a [Certificate],
    at: Option<OffsetDateTime>,
    signer: Option<&'a Signer>,
}

impl<'a> Seal<'a> {
    /// Neither encrypted nor signed: the plist as built.
    pub fn new() -> Seal<'a> {
        Seal::default()
    }

    /// Encrypts the payloads to these device certificates, each of which must be a
    /// recipient at `at` ([`crate::encrypt::recipient_problem`]). No certificates: not
    /// encrypted.
    pub fn encrypt_to(self, recipients: &'a [Certificate], at: OffsetDateTime) -> Seal<'a> {
        Seal {
            recipients,
            at: Some(at),
            ..self
        }
    }

    /// Signs the result (after encrypting: the signature covers what the device receives).
    pub fn signed_by(self, signer: &'a Signer) -> Seal<'a> {
        Seal {
            signer: Some(signer),
            ..self
        }
    }

    /// [`Seal::signed_by`] when there is a signer.
    pub fn signed_by_any(self, signer: Option<&'a Signer>) -> Seal<'a> {
        Seal { signer, ..self }
    }

    /// Seals a built profile.
    pub fn profile(&self, profile: &Profile) -> Result<Sealed, Error> {
        self.seal(profile.to_bounded_xml()?, profile.perm())
    }

    /// Seals an unsigned profile read as bytes, kept byte for byte when neither encrypted
    /// nor signed. A signed one is refused: sign once, after encrypting.
    pub fn plist(&self, plist: &[u8]) -> Result<Sealed, Error> {
        if crate::is_signed(plist) {
            return Err(Error::AlreadySigned);
        }
        self.seal(plist.to_vec(), Profile::from_plist(plist)?.perm())
    }

    fn seal(&self, plist: Vec<u8>, perm: Perm) -> Result<Sealed, Error> {
        let (plist, perm) = match (self.recipients, self.at) {
            ([], _) | (_, None) => (plist, perm),
            // Only the devices read the payloads now: no longer a secret in transit.
            (to, Some(at)) => (crate::encrypt::encrypt(&plist, to, at)?, Perm::Public),
        };
        let bytes = match self.signer {
            Some(signer) => signer.sign(&plist)?,
            None => plist,
        };
        Ok(Sealed { bytes, perm })
    }
}

/// A profile as it is written and delivered.
#[derive(Debug)]
pub struct Sealed {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Who may read the file: owner-only when it holds an identity or a password.
    pub perm: Perm,
}

impl Sealed {
    /// The size problem, when the file is larger than MDM servers take.
    pub fn oversize(&self) -> Option<Oversize> {
        Oversize::of(self.bytes.len())
    }

    /// Writes the file atomically (temporary file, then rename) with [`Sealed::perm`].
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        Ok(pbkit_outfile::write(path, &self.bytes, self.perm)?)
    }
}

/// A profile over [`MAX_SIZE`] bytes: Intune and Fleet reject it (a warning, since Jamf
/// Pro and iOS take it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Oversize {
    /// The profile's size.
    pub bytes: usize,
}

impl Oversize {
    /// The problem of a profile of `bytes` bytes, if it has one.
    pub fn of(bytes: usize) -> Option<Oversize> {
        (bytes > MAX_SIZE).then_some(Oversize { bytes })
    }
}

impl std::fmt::Display for Oversize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes: Intune and Fleet reject profiles over {MAX_SIZE} bytes",
            self.bytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_rule_starts_above_the_limit() {
        assert_eq!(Oversize::of(MAX_SIZE), None);
        assert_eq!(
            Oversize::of(MAX_SIZE + 1),
            Some(Oversize {
                bytes: MAX_SIZE + 1
            })
        );
    }

    fn built(with_identity: bool) -> Profile {
        let mut b = Profile::builder("mil.test.seal");
        if with_identity {
            b.add_identity("signing", crate::Pkcs12::from_der(vec![0x30]))
                .unwrap();
        }
        b.add("exchange", crate::Exchange::new("$EMAIL", "mail.test.mil"))
            .unwrap();
        b.build()
    }

    #[test]
    fn an_unsealed_plist_is_kept_byte_for_byte_and_private_when_it_holds_an_identity() {
        for (identity, perm) in [(true, Perm::Secret), (false, Perm::Public)] {
            let xml = built(identity).to_bounded_xml().unwrap();
            let sealed = Seal::new().plist(&xml).unwrap();
            assert_eq!(sealed.bytes, xml);
            assert_eq!(sealed.perm, perm);
            let sealed = Seal::new().profile(&built(identity)).unwrap();
            assert_eq!((sealed.bytes, sealed.perm), (xml, perm));
        }
    }

    #[test]
    fn a_signed_file_is_not_sealed_again() {
        // What a CMS SignedData starts with (a DER SEQUENCE).
        assert!(matches!(
            Seal::new().plist(&[0x30, 0x80, 0, 0]),
            Err(Error::AlreadySigned)
        ));
    }
}
