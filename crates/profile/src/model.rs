//! The typed profile: the top level and the payloads pbkit writes.
//!
//! Every payload type pbkit writes is a struct with one optional field per key of Apple's
//! schema, in schema order, so the XML comes out in a stable key order. Keys the model
//! does not know, and payload types it does not know, are kept as they were.

use plist::{Dictionary, Value};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Declares a payload struct from `field: Type = "AppleKey"` lines: every field optional,
/// serialized under its Apple key, plus `KEYS`, the list of those keys.
macro_rules! keys {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $key, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
        impl $name {
            /// The Apple keys of this payload, in schema order.
            pub const KEYS: &'static [&'static str] = &[$($key),*];
        }
    };
}

keys! {
    /// `com.apple.security.pkcs12`: one password-protected identity.
    Pkcs12 {
        /// File name shown for the certificate.
        file_name: String = "PayloadCertificateFileName",
        /// The PKCS#12 bytes.
        data: plist::Data = "PayloadContent",
        /// The PKCS#12 password; without it the device asks at install.
        password: String = "Password",
        /// macOS: apps may use the private key.
        allow_all_apps_access: bool = "AllowAllAppsAccess",
        /// macOS: the private key is extractable.
        key_is_extractable: bool = "KeyIsExtractable",
    }
}

keys! {
    /// `com.apple.security.root`, `.pkcs1`, `.pem`: one certificate.
    Certificate {
        /// File name shown for the certificate.
        file_name: String = "PayloadCertificateFileName",
        /// The certificate (DER for root/pkcs1, PEM text bytes for pem).
        data: plist::Data = "PayloadContent",
    }
}

keys! {
    /// `com.apple.eas.account`: an Exchange ActiveSync account, every key of the schema.
    Exchange {
        /// EmailAddress
        email_address: String = "EmailAddress",
        /// Host
        host: String = "Host",
        /// SSL
        ssl: bool = "SSL",
        /// OAuth (iOS 12)
        oauth: bool = "OAuth",
        /// UserName
        user_name: String = "UserName",
        /// Password
        password: String = "Password",
        /// Certificate (a .p12 blob)
        certificate: plist::Data = "Certificate",
        /// CertificateName
        certificate_name: String = "CertificateName",
        /// CertificatePassword
        certificate_password: String = "CertificatePassword",
        /// PreventMove
        prevent_move: bool = "PreventMove",
        /// PreventAppSheet
        prevent_app_sheet: bool = "PreventAppSheet",
        /// PayloadCertificateUUID: the authentication identity payload.
        payload_certificate_uuid: String = "PayloadCertificateUUID",
        /// SMIMEEnabled (deprecated, ignored since iOS 10)
        smime_enabled: bool = "SMIMEEnabled",
        /// SMIMESigningEnabled
        smime_signing_enabled: bool = "SMIMESigningEnabled",
        /// SMIMESigningCertificateUUID: the signing identity payload.
        smime_signing_certificate_uuid: String = "SMIMESigningCertificateUUID",
        /// SMIMEEncryptionEnabled (deprecated in iOS 12: SMIMEEncryptByDefault)
        smime_encryption_enabled: bool = "SMIMEEncryptionEnabled",
        /// SMIMEEncryptionCertificateUUID: the encryption identity payload.
        smime_encryption_certificate_uuid: String = "SMIMEEncryptionCertificateUUID",
        /// SMIMEEnablePerMessageSwitch (deprecated in iOS 12)
        smime_enable_per_message_switch: bool = "SMIMEEnablePerMessageSwitch",
        /// disableMailRecentsSyncing
        disable_mail_recents_syncing: bool = "disableMailRecentsSyncing",
        /// MailNumberOfPastDaysToSync
        mail_number_of_past_days_to_sync: i64 = "MailNumberOfPastDaysToSync",
        /// HeaderMagic (deprecated)
        header_magic: String = "HeaderMagic",
        /// CommunicationServiceRules
        communication_service_rules: Dictionary = "CommunicationServiceRules",
        /// allowMailDrop
        allow_mail_drop: bool = "allowMailDrop",
        /// SMIMESigningUserOverrideable: the user may turn signing on or off.
        smime_signing_user_overrideable: bool = "SMIMESigningUserOverrideable",
        /// SMIMESigningCertificateUUIDUserOverrideable: the user may pick the signing identity.
        smime_signing_certificate_uuid_user_overrideable: bool = "SMIMESigningCertificateUUIDUserOverrideable",
        /// SMIMEEncryptByDefault
        smime_encrypt_by_default: bool = "SMIMEEncryptByDefault",
        /// SMIMEEncryptByDefaultUserOverrideable: the user may toggle default encryption
        /// (Apple's texts disagree on this key; see docs/jamf-admins.md).
        smime_encrypt_by_default_user_overrideable: bool = "SMIMEEncryptByDefaultUserOverrideable",
        /// SMIMEEncryptionCertificateUUIDUserOverrideable: the user may pick the encryption identity.
        smime_encryption_certificate_uuid_user_overrideable: bool = "SMIMEEncryptionCertificateUUIDUserOverrideable",
        /// SMIMEEnableEncryptionPerMessageSwitch
        smime_enable_encryption_per_message_switch: bool = "SMIMEEnableEncryptionPerMessageSwitch",
        /// EnableMail
        enable_mail: bool = "EnableMail",
        /// EnableContacts
        enable_contacts: bool = "EnableContacts",
        /// EnableCalendars
        enable_calendars: bool = "EnableCalendars",
        /// EnableReminders
        enable_reminders: bool = "EnableReminders",
        /// EnableNotes
        enable_notes: bool = "EnableNotes",
        /// EnableMailUserOverridable
        enable_mail_user_overridable: bool = "EnableMailUserOverridable",
        /// EnableContactsUserOverridable
        enable_contacts_user_overridable: bool = "EnableContactsUserOverridable",
        /// EnableCalendarsUserOverridable
        enable_calendars_user_overridable: bool = "EnableCalendarsUserOverridable",
        /// EnableRemindersUserOverridable
        enable_reminders_user_overridable: bool = "EnableRemindersUserOverridable",
        /// EnableNotesUserOverridable
        enable_notes_user_overridable: bool = "EnableNotesUserOverridable",
        /// OAuthSignInURL
        oauth_sign_in_url: String = "OAuthSignInURL",
        /// OAuthTokenRequestURL
        oauth_token_request_url: String = "OAuthTokenRequestURL",
        /// OverridePreviousPassword
        override_previous_password: bool = "OverridePreviousPassword",
        /// VPNUUID
        vpn_uuid: String = "VPNUUID",
    }
}

keys! {
    /// `com.apple.mail.managed`: an IMAP or POP account, with its S/MIME keys.
    Mail {
        /// EmailAccountDescription
        email_account_description: String = "EmailAccountDescription",
        /// EmailAccountName
        email_account_name: String = "EmailAccountName",
        /// EmailAccountType: `EmailTypeIMAP` or `EmailTypePOP`
        email_account_type: String = "EmailAccountType",
        /// EmailAddress
        email_address: String = "EmailAddress",
        /// IncomingMailServerAuthentication
        incoming_mail_server_authentication: String = "IncomingMailServerAuthentication",
        /// IncomingMailServerHostName
        incoming_mail_server_host_name: String = "IncomingMailServerHostName",
        /// IncomingMailServerPortNumber
        incoming_mail_server_port_number: i64 = "IncomingMailServerPortNumber",
        /// IncomingMailServerUseSSL
        incoming_mail_server_use_ssl: bool = "IncomingMailServerUseSSL",
        /// IncomingMailServerUsername
        incoming_mail_server_username: String = "IncomingMailServerUsername",
        /// IncomingPassword
        incoming_password: String = "IncomingPassword",
        /// OutgoingPassword
        outgoing_password: String = "OutgoingPassword",
        /// OutgoingPasswordSameAsIncomingPassword
        outgoing_password_same_as_incoming_password: bool = "OutgoingPasswordSameAsIncomingPassword",
        /// OutgoingMailServerAuthentication
        outgoing_mail_server_authentication: String = "OutgoingMailServerAuthentication",
        /// OutgoingMailServerHostName
        outgoing_mail_server_host_name: String = "OutgoingMailServerHostName",
        /// OutgoingMailServerPortNumber
        outgoing_mail_server_port_number: i64 = "OutgoingMailServerPortNumber",
        /// OutgoingMailServerUseSSL
        outgoing_mail_server_use_ssl: bool = "OutgoingMailServerUseSSL",
        /// OutgoingMailServerUsername
        outgoing_mail_server_username: String = "OutgoingMailServerUsername",
        /// PreventMove
        prevent_move: bool = "PreventMove",
        /// PreventAppSheet
        prevent_app_sheet: bool = "PreventAppSheet",
        /// SMIMEEnabled (deprecated)
        smime_enabled: bool = "SMIMEEnabled",
        /// SMIMESigningEnabled
        smime_signing_enabled: bool = "SMIMESigningEnabled",
        /// SMIMESigningCertificateUUID
        smime_signing_certificate_uuid: String = "SMIMESigningCertificateUUID",
        /// SMIMEEncryptionEnabled (deprecated)
        smime_encryption_enabled: bool = "SMIMEEncryptionEnabled",
        /// SMIMEEncryptionCertificateUUID
        smime_encryption_certificate_uuid: String = "SMIMEEncryptionCertificateUUID",
        /// SMIMEEnablePerMessageSwitch (deprecated)
        smime_enable_per_message_switch: bool = "SMIMEEnablePerMessageSwitch",
        /// disableMailRecentsSyncing
        disable_mail_recents_syncing: bool = "disableMailRecentsSyncing",
        /// allowMailDrop
        allow_mail_drop: bool = "allowMailDrop",
        /// IncomingMailServerIMAPPathPrefix
        incoming_mail_server_imap_path_prefix: String = "IncomingMailServerIMAPPathPrefix",
        /// SMIMESigningUserOverrideable
        smime_signing_user_overrideable: bool = "SMIMESigningUserOverrideable",
        /// SMIMESigningCertificateUUIDUserOverrideable
        smime_signing_certificate_uuid_user_overrideable: bool = "SMIMESigningCertificateUUIDUserOverrideable",
        /// SMIMEEncryptByDefault
        smime_encrypt_by_default: bool = "SMIMEEncryptByDefault",
        /// SMIMEEncryptByDefaultUserOverrideable
        smime_encrypt_by_default_user_overrideable: bool = "SMIMEEncryptByDefaultUserOverrideable",
        /// SMIMEEncryptionCertificateUUIDUserOverrideable
        smime_encryption_certificate_uuid_user_overrideable: bool = "SMIMEEncryptionCertificateUUIDUserOverrideable",
        /// SMIMEEnableEncryptionPerMessageSwitch
        smime_enable_encryption_per_message_switch: bool = "SMIMEEnableEncryptionPerMessageSwitch",
        /// VPNUUID
        vpn_uuid: String = "VPNUUID",
    }
}

keys! {
    /// The optional top-level keys of a profile.
    TopLevel {
        /// PayloadDisplayName
        display_name: String = "PayloadDisplayName",
        /// PayloadDescription
        description: String = "PayloadDescription",
        /// PayloadOrganization
        organization: String = "PayloadOrganization",
        /// PayloadRemovalDisallowed (honoured on supervised devices only)
        removal_disallowed: bool = "PayloadRemovalDisallowed",
        /// PayloadScope: `User` or `System`
        scope: String = "PayloadScope",
        /// HasRemovalPasscode
        has_removal_passcode: bool = "HasRemovalPasscode",
        /// IsEncrypted
        is_encrypted: bool = "IsEncrypted",
        /// EncryptedPayloadContent
        encrypted_payload_content: plist::Data = "EncryptedPayloadContent",
        /// RemovalDate
        removal_date: plist::Date = "RemovalDate",
        /// DurationUntilRemoval
        duration_until_removal: f64 = "DurationUntilRemoval",
        /// PayloadExpirationDate
        expiration_date: plist::Date = "PayloadExpirationDate",
        /// TargetDeviceType
        target_device_type: i64 = "TargetDeviceType",
        /// ConsentText
        consent_text: Dictionary = "ConsentText",
    }
}

impl Pkcs12 {
    /// Its PayloadType.
    pub const TYPE: &'static str = "com.apple.security.pkcs12";

    /// A payload holding these PKCS#12 bytes as they are (the device asks for the
    /// password at install unless [`Pkcs12::with_password`] embeds it).
    pub fn from_der(der: Vec<u8>) -> Pkcs12 {
        Pkcs12 {
            data: Some(der.into()),
            ..Pkcs12::default()
        }
    }

    /// A payload holding `identity` written in `suite` under `password` (the leaf and
    /// its chain). The password is not embedded; see [`Pkcs12::with_password`].
    pub fn from_identity(
        identity: &pbkit_pkcs12::Identity,
        password: &pbkit_pkcs12::Password,
        suite: pbkit_pkcs12::Suite,
    ) -> Result<Pkcs12, Error> {
        let der = identity.to_pkcs12(password, &pbkit_pkcs12::WriteOptions::new(suite))?;
        Ok(Pkcs12::from_der(der))
    }

    /// Embeds the password, so that the device installs without asking (the profile
    /// becomes a secret: see [`Profile::holds_secrets`]).
    pub fn with_password(mut self, password: &pbkit_pkcs12::Password) -> Pkcs12 {
        self.password = Some(password.as_str().to_string());
        self
    }
}

impl Certificate {
    /// A certificate payload holding `cert` as DER.
    pub fn from_certificate(cert: &pbkit_pki::Certificate) -> Certificate {
        Certificate {
            data: Some(cert.der().to_vec().into()),
            ..Certificate::default()
        }
    }
}

impl Content {
    /// `com.apple.security.root`: a trusted root (DER).
    pub fn root(cert: &pbkit_pki::Certificate) -> Content {
        Content::Root(Certificate::from_certificate(cert))
    }

    /// `com.apple.security.pkcs1`: an intermediate or other certificate (DER).
    pub fn intermediate(cert: &pbkit_pki::Certificate) -> Content {
        Content::Pkcs1(Certificate::from_certificate(cert))
    }

    /// `com.apple.security.pem`: a certificate as PEM text.
    pub fn pem(cert: &pbkit_pki::Certificate) -> Result<Content, Error> {
        Ok(Content::Pem(Certificate {
            data: Some(cert.to_pem()?.into()),
            ..Certificate::default()
        }))
    }
}

impl From<Pkcs12> for Content {
    fn from(c: Pkcs12) -> Content {
        Content::Pkcs12(c)
    }
}

impl From<Exchange> for Content {
    fn from(c: Exchange) -> Content {
        Content::Exchange(Box::new(c))
    }
}

impl From<Mail> for Content {
    fn from(c: Mail) -> Content {
        Content::Mail(Box::new(c))
    }
}

/// What a payload is.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// `com.apple.security.pkcs12`
    Pkcs12(Pkcs12),
    /// `com.apple.security.root`
    Root(Certificate),
    /// `com.apple.security.pkcs1`
    Pkcs1(Certificate),
    /// `com.apple.security.pem`
    Pem(Certificate),
    /// `com.apple.eas.account`
    Exchange(Box<Exchange>),
    /// `com.apple.mail.managed`
    Mail(Box<Mail>),
    /// A payload type pbkit does not model; its keys are all in [`Payload::extra`].
    Other(String),
}

impl Content {
    /// The PayloadType.
    pub fn payload_type(&self) -> &str {
        match self {
            Content::Pkcs12(_) => Pkcs12::TYPE,
            Content::Root(_) => "com.apple.security.root",
            Content::Pkcs1(_) => "com.apple.security.pkcs1",
            Content::Pem(_) => "com.apple.security.pem",
            Content::Exchange(_) => "com.apple.eas.account",
            Content::Mail(_) => "com.apple.mail.managed",
            Content::Other(t) => t,
        }
    }

    #[expect(
        clippy::expect_used,
        reason = "the payload structs hold only plist types"
    )]
    fn to_value(&self) -> Value {
        let v = match self {
            Content::Pkcs12(c) => plist::to_value(c),
            Content::Root(c) | Content::Pkcs1(c) | Content::Pem(c) => plist::to_value(c),
            Content::Exchange(c) => plist::to_value(c),
            Content::Mail(c) => plist::to_value(c),
            Content::Other(_) => Ok(Value::Dictionary(Dictionary::new())),
        };
        v.expect("payload structs serialize to plist")
    }

    /// Parses the content keys of a payload of `payload_type`.
    pub(crate) fn from_dictionary(
        payload_type: &str,
        known: Dictionary,
    ) -> Result<Content, String> {
        let v = Value::Dictionary(known);
        fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, String> {
            plist::from_value(v).map_err(|e| plist_reason(&e))
        }
        Ok(match payload_type {
            Pkcs12::TYPE => Content::Pkcs12(typed(&v)?),
            "com.apple.security.root" => Content::Root(typed(&v)?),
            "com.apple.security.pkcs1" => Content::Pkcs1(typed(&v)?),
            "com.apple.security.pem" => Content::Pem(typed(&v)?),
            "com.apple.eas.account" => Content::Exchange(Box::new(typed(&v)?)),
            "com.apple.mail.managed" => Content::Mail(Box::new(typed(&v)?)),
            other => Content::Other(other.to_string()),
        })
    }

    /// The Apple keys this content type models (empty for [`Content::Other`]).
    pub fn known_keys(payload_type: &str) -> &'static [&'static str] {
        match payload_type {
            Pkcs12::TYPE => Pkcs12::KEYS,
            "com.apple.security.root" | "com.apple.security.pkcs1" | "com.apple.security.pem" => {
                Certificate::KEYS
            }
            "com.apple.eas.account" => Exchange::KEYS,
            "com.apple.mail.managed" => Mail::KEYS,
            _ => &[],
        }
    }
}

/// One payload of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// PayloadIdentifier
    pub identifier: String,
    /// PayloadUUID, as written (pbkit writes uppercase canonical UUIDs).
    pub uuid: String,
    /// PayloadVersion
    pub version: i64,
    /// PayloadDisplayName
    pub display_name: Option<String>,
    /// PayloadDescription
    pub description: Option<String>,
    /// PayloadOrganization
    pub organization: Option<String>,
    /// The typed content.
    pub content: Content,
    /// Keys the model does not know, kept in their order.
    pub extra: Dictionary,
}

const COMMON: [&str; 7] = [
    "PayloadType",
    "PayloadVersion",
    "PayloadIdentifier",
    "PayloadUUID",
    "PayloadDisplayName",
    "PayloadDescription",
    "PayloadOrganization",
];

/// Keys whose value is another payload's PayloadUUID, which must be an identity payload
/// of the same profile.
pub const REFERENCE_KEYS: [&str; 3] = [
    "PayloadCertificateUUID",
    "SMIMESigningCertificateUUID",
    "SMIMEEncryptionCertificateUUID",
];

impl Payload {
    /// The (key, PayloadUUID) references this payload makes to identity payloads.
    pub fn references(&self) -> Vec<(&'static str, &str)> {
        let refs: [(&'static str, &Option<String>); 3] = match &self.content {
            Content::Exchange(e) => [
                (REFERENCE_KEYS[0], &e.payload_certificate_uuid),
                (REFERENCE_KEYS[1], &e.smime_signing_certificate_uuid),
                (REFERENCE_KEYS[2], &e.smime_encryption_certificate_uuid),
            ],
            Content::Mail(m) => [
                (REFERENCE_KEYS[0], &None),
                (REFERENCE_KEYS[1], &m.smime_signing_certificate_uuid),
                (REFERENCE_KEYS[2], &m.smime_encryption_certificate_uuid),
            ],
            _ => return Vec::new(),
        };
        refs.into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect()
    }

    /// The PayloadType.
    pub fn payload_type(&self) -> &str {
        self.content.payload_type()
    }

    /// The payload as a plist dictionary: common keys, content keys in schema order, then
    /// the keys the model does not know.
    pub fn to_dictionary(&self) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("PayloadType".into(), self.payload_type().into());
        d.insert("PayloadVersion".into(), self.version.into());
        d.insert("PayloadIdentifier".into(), self.identifier.clone().into());
        d.insert("PayloadUUID".into(), self.uuid.clone().into());
        for (k, v) in [
            ("PayloadDisplayName", &self.display_name),
            ("PayloadDescription", &self.description),
            ("PayloadOrganization", &self.organization),
        ] {
            if let Some(v) = v {
                d.insert(k.into(), v.clone().into());
            }
        }
        if let Value::Dictionary(content) = self.content.to_value() {
            d.extend(content);
        }
        d.extend(self.extra.clone());
        d
    }

    /// Reads a payload dictionary. Unknown keys go to `extra`; a known key of the wrong
    /// type is an error naming the payload.
    pub fn from_dictionary(d: Dictionary) -> Result<Payload, Error> {
        let payload_type = match d.get("PayloadType") {
            Some(Value::String(t)) => t.clone(),
            Some(_) => {
                return Err(Error::WrongType {
                    key: "PayloadType",
                    expected: "a string",
                })
            }
            None => return Err(Error::Missing("PayloadType")),
        };
        let (mut common, known, extra) = split(d, &COMMON, Content::known_keys(&payload_type));
        let identifier = take_string(&mut common, "PayloadIdentifier")?
            .ok_or(Error::Missing("PayloadIdentifier"))?;
        let bad = |detail: String| Error::BadPayload {
            identifier: identifier.clone(),
            detail,
        };
        let uuid =
            take_string(&mut common, "PayloadUUID")?.ok_or_else(|| bad("no PayloadUUID".into()))?;
        let version = match common.get("PayloadVersion") {
            None => 1,
            Some(v) => v
                .as_signed_integer()
                .ok_or_else(|| bad("PayloadVersion is not an integer".into()))?,
        };
        let display_name = take_string(&mut common, "PayloadDisplayName")?;
        let description = take_string(&mut common, "PayloadDescription")?;
        let organization = take_string(&mut common, "PayloadOrganization")?;
        let content = Content::from_dictionary(&payload_type, known).map_err(bad)?;
        Ok(Payload {
            identifier,
            uuid,
            version,
            display_name,
            description,
            organization,
            content,
            extra,
        })
    }
}

/// Splits a dictionary, in one ordered pass, into the `common` keys, the `known` keys and
/// the rest. (Removing keys one by one would reorder the rest: plist's map swap-removes.)
fn split(d: Dictionary, common: &[&str], known: &[&str]) -> (Dictionary, Dictionary, Dictionary) {
    let (mut c, mut k, mut e) = (Dictionary::new(), Dictionary::new(), Dictionary::new());
    for (key, v) in d {
        if common.contains(&key.as_str()) {
            c.insert(key, v);
        } else if known.contains(&key.as_str()) {
            k.insert(key, v);
        } else {
            e.insert(key, v);
        }
    }
    (c, k, e)
}

/// The string value of `key` in a dictionary of common keys.
fn take_string(d: &mut Dictionary, key: &'static str) -> Result<Option<String>, Error> {
    match d.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType {
            key,
            expected: "a string",
        }),
    }
}

/// A configuration profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// PayloadIdentifier: a profile replaces an installed one with the same identifier.
    pub identifier: String,
    /// PayloadUUID
    pub uuid: String,
    /// PayloadVersion (1)
    pub version: i64,
    /// The optional top-level keys.
    pub top: TopLevel,
    /// PayloadContent, in order.
    pub payloads: Vec<Payload>,
    /// Top-level keys the model does not know.
    pub extra: Dictionary,
}

impl Profile {
    /// The profile as a plist dictionary.
    pub fn to_dictionary(&self) -> Dictionary {
        let mut d = Dictionary::new();
        d.insert("PayloadType".into(), "Configuration".into());
        d.insert("PayloadVersion".into(), self.version.into());
        d.insert("PayloadIdentifier".into(), self.identifier.clone().into());
        d.insert("PayloadUUID".into(), self.uuid.clone().into());
        if let Ok(Value::Dictionary(top)) = plist::to_value(&self.top) {
            d.extend(top);
        }
        d.insert(
            "PayloadContent".into(),
            Value::Array(
                self.payloads
                    .iter()
                    .map(|p| Value::Dictionary(p.to_dictionary()))
                    .collect(),
            ),
        );
        d.extend(self.extra.clone());
        d
    }

    /// The profile as XML plist bytes: what gets signed and installed.
    pub fn to_xml(&self) -> Vec<u8> {
        xml(&Value::Dictionary(self.to_dictionary()))
    }

    /// [`Profile::to_xml`], refused when larger than pbkit reads back
    /// ([`crate::FILE_LIMIT`]): what cannot be read again is never written. Every builder
    /// that writes a profile (build, rollout, demo) goes through it.
    pub fn to_bounded_xml(&self) -> Result<Vec<u8>, crate::Error> {
        let xml = self.to_xml();
        let limit = crate::FILE_LIMIT;
        if xml.len() as u64 > limit.bytes {
            return Err(crate::Error::TooLarge {
                bytes: xml.len(),
                limit,
            });
        }
        Ok(xml)
    }

    /// Reads a profile from plist bytes (XML or binary, unsigned).
    pub fn from_plist(bytes: &[u8]) -> Result<Profile, Error> {
        Profile::from_dictionary(top_dictionary(bytes)?)
    }

    /// Reads a profile from its top-level dictionary.
    pub fn from_dictionary(d: Dictionary) -> Result<Profile, Error> {
        const REQUIRED: [&str; 5] = [
            "PayloadType",
            "PayloadIdentifier",
            "PayloadUUID",
            "PayloadVersion",
            "PayloadContent",
        ];
        let (mut required, known, extra) = split(d, &REQUIRED, TopLevel::KEYS);
        match take_string(&mut required, "PayloadType")?.as_deref() {
            Some("Configuration") => {}
            Some(other) => {
                return Err(Error::Plist(format!(
                    "PayloadType is {other:?}, not \"Configuration\""
                )))
            }
            None => return Err(Error::Missing("PayloadType")),
        }
        let identifier = take_string(&mut required, "PayloadIdentifier")?
            .ok_or(Error::Missing("PayloadIdentifier"))?;
        let uuid =
            take_string(&mut required, "PayloadUUID")?.ok_or(Error::Missing("PayloadUUID"))?;
        let version = required
            .get("PayloadVersion")
            .map(|v| {
                v.as_signed_integer().ok_or(Error::WrongType {
                    key: "PayloadVersion",
                    expected: "an integer",
                })
            })
            .transpose()?
            .unwrap_or(1);
        let payloads = match required.remove("PayloadContent") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::Dictionary(p) => Payload::from_dictionary(p),
                    _ => Err(Error::WrongType {
                        key: "PayloadContent",
                        expected: "an array of dictionaries",
                    }),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(Error::WrongType {
                    key: "PayloadContent",
                    expected: "an array",
                })
            }
        };
        let top = plist::from_value(&Value::Dictionary(known))
            .map_err(|e| Error::Plist(format!("top level: {}", plist_reason(&e))))?;
        Ok(Profile {
            identifier,
            uuid,
            version,
            top,
            payloads,
            extra,
        })
    }

    /// Who may read a file holding this profile: owner-only when it holds a secret
    /// ([`Profile::holds_secrets`]).
    pub fn perm(&self) -> pbkit_outfile::Perm {
        if self.holds_secrets() {
            pbkit_outfile::Perm::Secret
        } else {
            pbkit_outfile::Perm::Public
        }
    }

    /// Whether the profile holds a secret (an identity, or any password), and so must be
    /// written owner-only (0600) and handled like a key.
    pub fn holds_secrets(&self) -> bool {
        fn secret(key: &str, v: &Value) -> bool {
            (is_secret_key(key) && matches!(v, Value::String(s) if !s.is_empty()))
                || match v {
                    Value::Dictionary(d) => d.iter().any(|(k, v)| secret(k, v)),
                    Value::Array(a) => a.iter().any(|v| secret("", v)),
                    _ => false,
                }
        }
        self.payloads
            .iter()
            .any(|p| matches!(p.content, Content::Pkcs12(_)))
            || secret("", &Value::Dictionary(self.to_dictionary()))
    }

    /// The payload with this PayloadUUID.
    pub fn payload_by_uuid(&self, uuid: &str) -> Option<&Payload> {
        self.payloads.iter().find(|p| p.uuid == uuid)
    }
}

/// Whether a key holds a secret (`Password`, `IncomingPassword`, `SharedSecret`…): its
/// value makes a profile owner-only and is never shown in a report or diff.
pub fn is_secret_key(key: &str) -> bool {
    key.ends_with("Password") || key == "SharedSecret"
}

/// How deep a plist pbkit reads may nest dictionaries and arrays. Apple's deepest
/// payloads nest about 8 levels; 64 leaves room for any real profile while keeping every
/// recursive walk (diff, lint, the XML writer, even `Drop`) far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// How many values a plist pbkit reads may hold. A binary plist can name one array from
/// many places, so a few hundred bytes can stand for billions of values; a real profile
/// of [`FILE_LIMIT`](crate::FILE_LIMIT) holds a few hundred thousand.
pub const MAX_VALUES: usize = 4_000_000;

/// Reads plist bytes (XML or binary) into a value, refusing one nested deeper than
/// [`MAX_DEPTH`] or holding more than [`MAX_VALUES`] values before anything is built:
/// every plist pbkit takes from a file or a server is read through here.
pub fn read_plist(bytes: &[u8]) -> Result<Value, Error> {
    use plist::stream::Event;
    let mut depth = 0usize;
    let mut count = 0usize;
    let mut refused = None;
    // The stream ends early when a limit is passed; the builder then fails and the
    // limit's error is returned instead of its.
    let events = plist::stream::Reader::new(std::io::Cursor::new(bytes)).map_while(|event| {
        count += 1;
        match &event {
            Ok(Event::StartArray(_) | Event::StartDictionary(_)) => depth += 1,
            Ok(Event::EndCollection) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_DEPTH {
            refused = Some(Error::TooDeep { limit: MAX_DEPTH });
        } else if count > MAX_VALUES {
            refused = Some(Error::TooMany { limit: MAX_VALUES });
        }
        refused.is_none().then_some(event)
    });
    let value = Value::from_events(events);
    match (refused, value) {
        (Some(e), _) => Err(e),
        (None, Ok(v)) => Ok(v),
        (None, Err(e)) => Err(Error::Plist(plist_reason(&e))),
    }
}

/// The top-level dictionary of plist bytes (XML or binary, unsigned): what every reader
/// of a profile starts from.
pub fn top_dictionary(bytes: &[u8]) -> Result<Dictionary, Error> {
    match read_plist(bytes)? {
        Value::Dictionary(d) => Ok(d),
        _ => Err(Error::Plist("the top level is not a dictionary".into())),
    }
}

/// A plist value as XML bytes ending in a newline (Apple's tools write one; `cat` and
/// diff expect it).
#[expect(clippy::expect_used, reason = "writing to a Vec cannot fail")]
pub fn xml(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, value).expect("writing a plist to memory cannot fail");
    out.push(b'\n');
    out
}

/// A plist error in words. The plist crate's Display is its Debug
/// (`UnexpectedEndOfEventStream`, `Io(Error { kind: … })`, `Serde("invalid type…")`),
/// which is no message for a user.
pub(crate) fn plist_reason(e: &plist::Error) -> String {
    let text = e.to_string();
    if e.is_eof() || text.starts_with("UnexpectedEndOfEventStream") {
        return "truncated: the file ends before the plist does".into();
    }
    if let Some(io) = e.as_io() {
        return io.kind().to_string();
    }
    if let Some(inner) = text
        .strip_prefix("Serde(\"")
        .and_then(|t| t.strip_suffix("\")"))
    {
        return inner.replace("\\\"", "\"");
    }
    // `InvalidXmlSyntax (offset 12)` -> `invalid XML syntax (offset 12)`.
    let (kind, rest) = text.split_once(' ').unwrap_or((&text, ""));
    let mut words = String::new();
    for (i, c) in kind.char_indices() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    let words = words.replace("xml", "XML").replace("utf8", "UTF-8");
    if rest.is_empty() {
        words
    } else {
        format!("{words} {rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plist_errors_read_as_words() {
        let err = |bytes: &[u8]| {
            let e = Value::from_reader(std::io::Cursor::new(bytes)).unwrap_err();
            plist_reason(&e)
        };
        assert_eq!(
            err(b"<?xml version=\"1.0\"?><plist><dict><key>A</key>"),
            "truncated: the file ends before the plist does"
        );
        let bad = err(b"<?xml version=\"1.0\"?><plist><dict><key>A</key><nope/></dict></plist>");
        assert!(!bad.contains('(') || bad.contains("offset"), "{bad}");
        assert!(bad.chars().next().is_some_and(char::is_lowercase), "{bad}");
        let typed = plist::from_value::<bool>(&Value::String("x".into())).unwrap_err();
        assert!(
            plist_reason(&typed).starts_with("invalid type"),
            "{}",
            plist_reason(&typed)
        );
    }
}
