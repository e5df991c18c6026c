//! Building profiles in Rust: a builder with good defaults, payloads with names, typed
//! references between them.
//!
//! Every payload gets a name; its PayloadIdentifier is `<profile identifier>.<name>` and
//! its PayloadUUID the UUIDv5 of `<profile identifier>/<name>` in pbkit's namespace, so a
//! rebuild gives the same identifiers (a Jamf replace keeps them) and a TOML spec with
//! the same names gives the same profile. Adding an identity returns an [`IdentityRef`],
//! and only an `IdentityRef` can be named as an S/MIME or authentication identity, so a
//! reference to a certificate or to a payload of another profile does not compile.
//!
//! ```
//! use pbkit_profile::{Exchange, Pkcs12, Profile, Smime};
//! # let (sig_der, enc_der) = (vec![0x30], vec![0x30]);
//! let mut b = Profile::builder("mil.example.smime").display_name("Exchange with S/MIME");
//! let signing = b.add_identity("signing", Pkcs12::from_der(sig_der))?;
//! let encryption = b.add_identity("encryption", Pkcs12::from_der(enc_der))?;
//! b.add("exchange", Exchange::new("$EMAIL", "mail.example.mil")
//!     .with_smime(&Smime::purebred(&signing, &encryption)))?;
//! let profile = b.build();
//! assert_eq!(profile.payloads[2].identifier, "mil.example.smime.exchange");
//! assert_eq!(profile.payloads[2].references()[0].1, signing.uuid());
//! # Ok::<(), pbkit_profile::Error>(())
//! ```

use std::collections::BTreeSet;

use plist::Dictionary;
use uuid::Uuid;

use crate::model::{Content, Exchange, Mail, Payload, Pkcs12, Profile, TopLevel};
use crate::Error;

/// The namespace of pbkit's UUIDv5s.
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_5b0e_8d3a_4a57_9a43_51d2_7c3e_b0a1);

/// Uppercase canonical UUIDv5 of `name` in pbkit's namespace.
pub fn v5(name: &str) -> String {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
        .to_string()
        .to_uppercase()
}

/// `s` as an uppercase canonical UUID, if it is one.
pub fn canonical_uuid(s: &str) -> Option<String> {
    Uuid::parse_str(s)
        .ok()
        .map(|u| u.to_string().to_uppercase())
}

/// A payload of a profile being built, for other payloads to refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadRef {
    uuid: String,
    identifier: String,
}

impl PayloadRef {
    /// Its PayloadUUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Its PayloadIdentifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }
}

/// An identity payload (`com.apple.security.pkcs12`) of a profile being built: what the
/// S/MIME and authentication keys of an account name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRef(PayloadRef);

impl IdentityRef {
    /// Its PayloadUUID.
    pub fn uuid(&self) -> &str {
        self.0.uuid()
    }

    /// The payload.
    pub fn payload(&self) -> &PayloadRef {
        &self.0
    }
}

/// One payload to add: its name, its content, and the optional common keys.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadParams {
    /// The name: the last part of the PayloadIdentifier, the seed of the PayloadUUID.
    pub name: String,
    /// The typed content.
    pub content: Content,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    /// PayloadDescription.
    pub description: Option<String>,
    /// An explicit PayloadUUID instead of the derived one.
    pub uuid: Option<String>,
    /// Keys the model does not know (for payload types pbkit does not model).
    pub extra: Dictionary,
}

impl PayloadParams {
    /// A payload named `name` with no optional keys.
    pub fn new(name: impl Into<String>, content: impl Into<Content>) -> PayloadParams {
        PayloadParams {
            name: name.into(),
            content: content.into(),
            display_name: None,
            description: None,
            uuid: None,
            extra: Dictionary::new(),
        }
    }

    /// Sets PayloadDisplayName.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets PayloadDescription.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

/// Builds a [`Profile`]; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct ProfileBuilder {
    profile: Profile,
    names: BTreeSet<String>,
}

impl Profile {
    /// A builder for a profile with this PayloadIdentifier (a profile replaces an
    /// installed one with the same identifier). Its PayloadUUID is derived from it.
    pub fn builder(identifier: impl Into<String>) -> ProfileBuilder {
        let identifier = identifier.into();
        ProfileBuilder {
            profile: Profile {
                uuid: v5(&identifier),
                identifier,
                version: 1,
                top: TopLevel::default(),
                payloads: Vec::new(),
                extra: Dictionary::new(),
            },
            names: BTreeSet::new(),
        }
    }
}

impl ProfileBuilder {
    /// An explicit PayloadUUID instead of the derived one.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.profile.uuid = uuid.into();
        self
    }

    /// PayloadDisplayName: what Settings shows.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.profile.top.display_name = Some(name.into());
        self
    }

    /// PayloadDescription.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.profile.top.description = Some(text.into());
        self
    }

    /// PayloadOrganization.
    pub fn organization(mut self, name: impl Into<String>) -> Self {
        self.profile.top.organization = Some(name.into());
        self
    }

    /// The optional top-level keys, all at once.
    pub fn top(mut self, top: TopLevel) -> Self {
        self.profile.top = top;
        self
    }

    /// The PayloadUUID a payload named `name` gets (its explicit one if given).
    pub fn uuid_for(&self, name: &str, explicit: Option<&str>) -> String {
        explicit.map_or_else(
            || v5(&format!("{}/{name}", self.profile.identifier)),
            str::to_string,
        )
    }

    /// Adds a payload named `name` (`Exchange`, `Mail`, `Content::root(…)`, …).
    pub fn add(&mut self, name: &str, content: impl Into<Content>) -> Result<PayloadRef, Error> {
        self.add_params(PayloadParams::new(name, content))
    }

    /// Adds an identity payload; the returned reference is what accounts name.
    pub fn add_identity(&mut self, name: &str, pkcs12: Pkcs12) -> Result<IdentityRef, Error> {
        self.add_params(PayloadParams::new(name, pkcs12))
            .map(IdentityRef)
    }

    /// Adds an identity payload with its optional keys (display name, description).
    pub fn add_identity_params(&mut self, params: PayloadParams) -> Result<IdentityRef, Error> {
        if !matches!(params.content, Content::Pkcs12(_)) {
            return Err(Error::NotIdentity(params.name));
        }
        self.add_params(params).map(IdentityRef)
    }

    /// Adds a payload with its optional keys.
    pub fn add_params(&mut self, params: PayloadParams) -> Result<PayloadRef, Error> {
        let name = params.name;
        if name.is_empty() {
            return Err(Error::PayloadName(name));
        }
        let uuid = match &params.uuid {
            Some(u) => canonical_uuid(u).ok_or_else(|| Error::NotUuid(u.clone()))?,
            None => self.uuid_for(&name, None),
        };
        if !self.names.insert(name.clone()) {
            return Err(Error::DuplicateName(name));
        }
        let identifier = format!("{}.{name}", self.profile.identifier);
        self.profile.payloads.push(Payload {
            identifier: identifier.clone(),
            uuid: uuid.clone(),
            version: 1,
            display_name: params.display_name,
            description: params.description,
            organization: None,
            content: params.content,
            extra: params.extra,
        });
        Ok(PayloadRef { uuid, identifier })
    }

    /// The profile.
    pub fn build(self) -> Profile {
        self.profile
    }
}

/// The S/MIME settings of a Mail or Exchange account, as typed fields. `None` leaves a
/// key out of the profile (the device's default). `Id` names an identity: an
/// [`IdentityRef`] when building, its PayloadUUID when read from a profile
/// ([`Exchange::smime`], [`Mail::smime`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Smime<Id = IdentityRef> {
    /// SMIMESigningEnabled.
    pub signing_enabled: Option<bool>,
    /// SMIMESigningCertificateUUID: the signing identity.
    pub signing: Option<Id>,
    /// SMIMESigningUserOverrideable: the user may turn signing on or off.
    pub signing_user_overrideable: Option<bool>,
    /// SMIMESigningCertificateUUIDUserOverrideable: the user may pick the signing identity.
    pub signing_identity_user_overrideable: Option<bool>,
    /// SMIMEEncryptionCertificateUUID: the encryption identity.
    pub encryption: Option<Id>,
    /// SMIMEEncryptByDefault.
    pub encrypt_by_default: Option<bool>,
    /// SMIMEEncryptByDefaultUserOverrideable: the user may toggle default encryption.
    pub encrypt_by_default_user_overrideable: Option<bool>,
    /// SMIMEEncryptionCertificateUUIDUserOverrideable: the user may pick the encryption
    /// identity.
    pub encryption_identity_user_overrideable: Option<bool>,
    /// SMIMEEnableEncryptionPerMessageSwitch.
    pub encryption_per_message_switch: Option<bool>,
}

impl<Id> Smime<Id> {
    /// The Apple keys of these fields, in field order (the deprecated `SMIMEEnabled`,
    /// `SMIMEEncryptionEnabled` and `SMIMEEnablePerMessageSwitch` are not among them).
    pub const KEYS: [&'static str; 9] = [
        "SMIMESigningEnabled",
        "SMIMESigningCertificateUUID",
        "SMIMESigningUserOverrideable",
        "SMIMESigningCertificateUUIDUserOverrideable",
        "SMIMEEncryptionCertificateUUID",
        "SMIMEEncryptByDefault",
        "SMIMEEncryptByDefaultUserOverrideable",
        "SMIMEEncryptionCertificateUUIDUserOverrideable",
        "SMIMEEnableEncryptionPerMessageSwitch",
    ];
}

impl Smime {
    /// The choices of DISA's Purebred procedure, with no identity in the profile: signing
    /// on, encryption off by default, and the user free to pick the Purebred-issued
    /// identities in Mail and to toggle signing, default encryption and per-message
    /// encryption.
    pub fn user_chosen() -> Smime {
        Smime {
            signing_enabled: Some(true),
            signing: None,
            signing_user_overrideable: Some(true),
            signing_identity_user_overrideable: Some(true),
            encryption: None,
            encrypt_by_default: Some(false),
            encrypt_by_default_user_overrideable: Some(true),
            encryption_identity_user_overrideable: Some(true),
            encryption_per_message_switch: Some(true),
        }
    }

    /// [`Smime::user_chosen`] with both identities in the profile as the defaults.
    pub fn purebred(signing: &IdentityRef, encryption: &IdentityRef) -> Smime {
        Smime {
            signing: Some(signing.clone()),
            encryption: Some(encryption.clone()),
            ..Smime::user_chosen()
        }
    }
}

/// Writes `$smime`'s fields into an account struct with the S/MIME keys.
macro_rules! apply_smime {
    ($account:expr, $smime:expr) => {{
        let (a, s) = ($account, $smime);
        let uuid = |r: &Option<IdentityRef>| r.as_ref().map(|r| r.uuid().to_string());
        a.smime_signing_enabled = s.signing_enabled;
        a.smime_signing_certificate_uuid = uuid(&s.signing);
        a.smime_signing_user_overrideable = s.signing_user_overrideable;
        a.smime_signing_certificate_uuid_user_overrideable = s.signing_identity_user_overrideable;
        a.smime_encryption_certificate_uuid = uuid(&s.encryption);
        a.smime_encrypt_by_default = s.encrypt_by_default;
        a.smime_encrypt_by_default_user_overrideable = s.encrypt_by_default_user_overrideable;
        a.smime_encryption_certificate_uuid_user_overrideable =
            s.encryption_identity_user_overrideable;
        a.smime_enable_encryption_per_message_switch = s.encryption_per_message_switch;
    }};
}

/// Reads an account struct's S/MIME keys into a [`Smime`] naming identities by UUID.
macro_rules! read_smime {
    ($account:expr) => {{
        let a = $account;
        Smime {
            signing_enabled: a.smime_signing_enabled,
            signing: a.smime_signing_certificate_uuid.clone(),
            signing_user_overrideable: a.smime_signing_user_overrideable,
            signing_identity_user_overrideable: a.smime_signing_certificate_uuid_user_overrideable,
            encryption: a.smime_encryption_certificate_uuid.clone(),
            encrypt_by_default: a.smime_encrypt_by_default,
            encrypt_by_default_user_overrideable: a.smime_encrypt_by_default_user_overrideable,
            encryption_identity_user_overrideable: a
                .smime_encryption_certificate_uuid_user_overrideable,
            encryption_per_message_switch: a.smime_enable_encryption_per_message_switch,
        }
    }};
}

impl Exchange {
    /// An Exchange account for `email` on `host`, over TLS. `email` may be a Jamf
    /// variable (`$EMAIL`), left for Jamf to fill in per device.
    pub fn new(email: impl Into<String>, host: impl Into<String>) -> Exchange {
        Exchange {
            email_address: Some(email.into()),
            host: Some(host.into()),
            ssl: Some(true),
            ..Exchange::default()
        }
    }

    /// Sets the S/MIME keys.
    pub fn with_smime(mut self, smime: &Smime) -> Exchange {
        apply_smime!(&mut self, smime);
        self
    }

    /// Its S/MIME keys, identities by PayloadUUID.
    pub fn smime(&self) -> Smime<String> {
        read_smime!(self)
    }

    /// Sets PayloadCertificateUUID: the identity that authenticates to the server.
    pub fn with_authentication(mut self, identity: &IdentityRef) -> Exchange {
        self.payload_certificate_uuid = Some(identity.uuid().to_string());
        self
    }
}

impl Mail {
    /// An IMAP account for `email`: incoming on `imap_host` (993, TLS), outgoing on
    /// `smtp_host` (587, TLS), password authentication.
    pub fn imap(
        email: impl Into<String>,
        imap_host: impl Into<String>,
        smtp_host: impl Into<String>,
    ) -> Mail {
        Mail {
            email_account_type: Some("EmailTypeIMAP".into()),
            email_address: Some(email.into()),
            incoming_mail_server_host_name: Some(imap_host.into()),
            incoming_mail_server_port_number: Some(993),
            incoming_mail_server_use_ssl: Some(true),
            incoming_mail_server_authentication: Some("EmailAuthPassword".into()),
            outgoing_mail_server_host_name: Some(smtp_host.into()),
            outgoing_mail_server_port_number: Some(587),
            outgoing_mail_server_use_ssl: Some(true),
            outgoing_mail_server_authentication: Some("EmailAuthPassword".into()),
            ..Mail::default()
        }
    }

    /// Sets the S/MIME keys.
    pub fn with_smime(mut self, smime: &Smime) -> Mail {
        apply_smime!(&mut self, smime);
        self
    }

    /// Its S/MIME keys, identities by PayloadUUID.
    pub fn smime(&self) -> Smime<String> {
        read_smime!(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_uuids_derived_or_explicit() {
        let mut b = Profile::builder("mil.example.p");
        let a = b.add("a", Pkcs12::from_der(vec![1])).unwrap();
        assert_eq!(a.uuid(), v5("mil.example.p/a"));
        assert!(matches!(
            b.add("a", Pkcs12::from_der(vec![1])),
            Err(Error::DuplicateName(_))
        ));
        let mut explicit = PayloadParams::new("e", Pkcs12::from_der(vec![1]));
        explicit.uuid = Some("6f1c5b0e-8d3a-4a57-9a43-51d27c3eb0a1".into());
        let e = b.add_identity_params(explicit).unwrap();
        assert_eq!(e.uuid(), "6F1C5B0E-8D3A-4A57-9A43-51D27C3EB0A1");
        let mut bad = PayloadParams::new("x", Pkcs12::from_der(vec![1]));
        bad.uuid = Some("nope".into());
        assert!(matches!(b.add_params(bad), Err(Error::NotUuid(_))));
        let root = PayloadParams::new("r", crate::Content::Other("x".into()));
        assert!(matches!(
            b.add_identity_params(root),
            Err(Error::NotIdentity(_))
        ));
        let p = b.build();
        assert_eq!(p.uuid, v5("mil.example.p"));
        assert_eq!(p.payloads.len(), 2);
    }

    #[test]
    fn purebred_smime_sets_the_disa_keys() {
        let mut b = Profile::builder("p");
        let s = b.add_identity("s", Pkcs12::from_der(vec![1])).unwrap();
        let e = b.add_identity("e", Pkcs12::from_der(vec![2])).unwrap();
        let x = Exchange::new("$EMAIL", "h").with_smime(&Smime::purebred(&s, &e));
        assert_eq!(x.smime_signing_certificate_uuid.as_deref(), Some(s.uuid()));
        assert_eq!(
            x.smime_encryption_certificate_uuid.as_deref(),
            Some(e.uuid())
        );
        assert_eq!(x.smime_signing_user_overrideable, Some(true));
        assert_eq!(
            x.smime_signing_certificate_uuid_user_overrideable,
            Some(true)
        );
        assert_eq!(x.smime_encrypt_by_default_user_overrideable, Some(true));
        assert_eq!(
            x.smime_encryption_certificate_uuid_user_overrideable,
            Some(true)
        );
        let m = Mail::imap("a@b.mil", "i", "s").with_smime(&Smime::purebred(&s, &e));
        assert_eq!(m.smime_signing_certificate_uuid.as_deref(), Some(s.uuid()));
        // Read back, the same settings with the identities by UUID.
        for read in [x.smime(), m.smime()] {
            let Smime {
                signing,
                encryption,
                encrypt_by_default,
                encryption_per_message_switch,
                ..
            } = read;
            assert_eq!(signing.as_deref(), Some(s.uuid()));
            assert_eq!(encryption.as_deref(), Some(e.uuid()));
            assert_eq!(encrypt_by_default, Some(false));
            assert_eq!(encryption_per_message_switch, Some(true));
        }
    }
}
