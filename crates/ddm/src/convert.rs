//! A profile's payloads as declarations.
//!
//! Key by key (docs/jamf-admins.md has the table):
//!
//! | profile (Exchange `com.apple.eas.account`, Mail `com.apple.mail.managed`) | declaration |
//! |---|---|
//! | SMIMESigningEnabled | SMIME.Signing.Enabled |
//! | SMIMESigningCertificateUUID | SMIME.Signing.IdentityAssetReference |
//! | SMIMESigningUserOverrideable | SMIME.Signing.UserOverrideable |
//! | SMIMESigningCertificateUUIDUserOverrideable | SMIME.Signing.IdentityUserOverrideable |
//! | SMIMEEncryptByDefault | SMIME.Encryption.Enabled |
//! | SMIMEEncryptionCertificateUUID | SMIME.Encryption.IdentityAssetReference |
//! | SMIMEEncryptByDefaultUserOverrideable | SMIME.Encryption.UserOverrideable |
//! | SMIMEEncryptionCertificateUUIDUserOverrideable | SMIME.Encryption.IdentityUserOverrideable |
//! | SMIMEEnableEncryptionPerMessageSwitch | SMIME.Encryption.PerMessageSwitchEnabled |
//!
//! A PKCS#12 payload becomes a `com.apple.asset.credential.identity` asset (repacked with a
//! fresh password); one no account references gets a `com.apple.configuration.security.
//! identity` that installs it. A certificate payload becomes a `credential.certificate`
//! asset and a `security.certificate` configuration. User names and addresses become
//! `useridentity` and `credential.userpassword` assets. A `com.apple.activation.simple`
//! activates every configuration. Keys with no declarative form are listed in
//! [`Set::unmapped`], never dropped silently.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use pbkit_pkcs12::{Password, RawIdentity, Suite, WriteOptions};
use pbkit_profile::model::{Content, Exchange, Mail, Payload, Profile};
use pbkit_profile::Smime;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::declaration::{Declaration, ExternalData};
use crate::Error;

/// How a profile is converted.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the DDM server serves `assets/` (https, ending in `/`).
    pub asset_base_url: String,
    /// The suite identity assets are written in.
    pub suite: Suite,
    /// The activation's predicate, if any (e.g. only iOS 17 and later).
    pub predicate: Option<String>,
    /// Identity assets of a previous build, by asset identifier: reused when the identity
    /// and suite are the same, so a rebuild with no change keeps every ServerToken.
    pub previous: BTreeMap<String, PreviousIdentity>,
}

/// An identity asset as a previous build wrote it.
#[derive(Debug, Clone)]
pub struct PreviousIdentity {
    /// SHA-256 of the identity's certificate (uppercase hex).
    pub certificate_sha256: String,
    /// The suite it was written in.
    pub suite: String,
    /// The asset data, as written.
    pub bytes: Vec<u8>,
}

/// The declarations of one profile, with the data their assets reference.
#[derive(Debug, Clone)]
pub struct Set {
    /// Configurations, assets and the activation.
    pub declarations: Vec<Declaration>,
    /// The files under `assets/`.
    pub data: Vec<ExternalData>,
    /// Identity assets: asset identifier → (certificate SHA-256, suite).
    pub identities: BTreeMap<String, (String, String)>,
    /// Keys with no declarative form.
    pub unmapped: Vec<Unmapped>,
    /// Where `assets/` is served, ending in `/`: each DataURL is this and a file name.
    pub asset_base_url: String,
}

/// A key of the profile with no declarative form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Unmapped {
    /// The payload's PayloadIdentifier (or `profile`).
    pub payload: String,
    /// The key.
    pub key: String,
    /// Why it has no declarative form, or what to do instead.
    pub reason: String,
}

const METADATA: [&str; 4] = [
    "PayloadType",
    "PayloadVersion",
    "PayloadIdentifier",
    "PayloadUUID",
];

/// Converts a profile's payloads to declarations.
pub fn convert(profile: &Profile, opts: &Options) -> Result<Set, Error> {
    url_problem(&opts.asset_base_url, false).map_or(Ok(()), |problem| {
        Err(Error::AssetUrl {
            url: opts.asset_base_url.clone(),
            problem,
        })
    })?;
    // Every declaration's identifier is one of these, or one with a suffix of ours.
    for identifier in
        std::iter::once(&profile.identifier).chain(profile.payloads.iter().map(|p| &p.identifier))
    {
        if let Some(reason) = crate::declaration::file_name_problem(identifier) {
            return Err(Error::Identifier {
                identifier: identifier.clone(),
                reason,
            });
        }
    }
    let base = if opts.asset_base_url.ends_with('/') {
        opts.asset_base_url.clone()
    } else {
        format!("{}/", opts.asset_base_url)
    };
    let mut c = Converter {
        opts,
        set: Set {
            declarations: Vec::new(),
            data: Vec::new(),
            identities: BTreeMap::new(),
            unmapped: Vec::new(),
            asset_base_url: base,
        },
        assets: HashMap::new(),
        configurations: Vec::new(),
    };
    // Assets first: the accounts refer to them by PayloadUUID.
    for p in &profile.payloads {
        match &p.content {
            Content::Pkcs12(_) => c.identity(p)?,
            Content::Root(_) | Content::Pkcs1(_) | Content::Pem(_) => c.certificate(p),
            _ => {}
        }
    }
    let mut referenced = Vec::new();
    for p in &profile.payloads {
        match &p.content {
            Content::Exchange(e) => c.exchange(p, e, &mut referenced)?,
            Content::Mail(m) => c.mail(p, m, &mut referenced)?,
            Content::Pkcs12(_) | Content::Root(_) | Content::Pkcs1(_) | Content::Pem(_) => {}
            Content::Other(ty) => c.unmapped(
                &p.identifier,
                "PayloadType",
                &format!("{ty} has no declarative form in pbkit; deliver it in a profile"),
            ),
        }
    }
    // Identities no account uses are installed in the keychain on their own.
    for p in &profile.payloads {
        if let (Content::Pkcs12(_), false) = (&p.content, referenced.contains(&p.uuid)) {
            let asset = c.assets[&p.uuid].clone();
            let mut payload = Map::new();
            payload.insert("CredentialAssetReference".into(), asset.into());
            c.configuration(
                "com.apple.configuration.security.identity",
                &format!("{}.install", p.identifier),
                payload,
            );
        }
    }
    if c.configurations.is_empty() {
        return Err(Error::Empty);
    }
    let mut activation = Map::new();
    activation.insert(
        "StandardConfigurations".into(),
        Value::Array(c.configurations.iter().cloned().map(Value::from).collect()),
    );
    if let Some(predicate) = &opts.predicate {
        activation.insert("Predicate".into(), predicate.clone().into());
    }
    c.set.declarations.push(Declaration::new(
        "com.apple.activation.simple",
        &format!("{}.activation", profile.identifier),
        activation,
    ));
    let top = profile.to_dictionary();
    for key in [
        "PayloadDescription",
        "PayloadOrganization",
        "PayloadRemovalDisallowed",
        "PayloadScope",
    ] {
        if top.contains_key(key) {
            c.unmapped(
                "profile",
                key,
                "profile metadata: a declaration has no such key (the MDM server shows its own)",
            );
        }
    }
    Ok(c.set)
}

/// What is wrong with an asset URL, if anything: devices fetch it over https. An asset
/// base (`query: false`) is followed by a file name in each DataURL, so it has no query.
pub(crate) fn url_problem(url: &str, query: bool) -> Option<&'static str> {
    if url.contains(|c: char| c.is_control() || c.is_whitespace()) {
        return Some("contains a space or control character");
    }
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Some("is not a URL");
    };
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    if uri.scheme_str() != Some("https") {
        Some("is not an https:// URL: devices fetch asset data over https only")
    } else if uri.host().unwrap_or_default().is_empty() {
        Some("has no host")
    } else if authority.contains('@') {
        Some("carries a user name: devices authenticate to the asset server otherwise")
    } else if url.contains('#') || (!query && uri.query().is_some()) {
        Some("has a query or fragment: each DataURL is the base followed by a file name")
    } else {
        None
    }
}

struct Converter<'a> {
    opts: &'a Options,
    set: Set,
    /// PayloadUUID → asset identifier.
    assets: HashMap<String, String>,
    configurations: Vec<String>,
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(k.into(), v.into());
    }
}

/// The keys of an Exchange payload the conversion reads (besides its S/MIME keys).
const EXCHANGE_MAPPED: &[&str] = &[
    "PayloadDisplayName",
    "EmailAddress",
    "Host",
    "OAuth",
    "OAuthSignInURL",
    "OAuthTokenRequestURL",
    "UserName",
    "Password",
    "PayloadCertificateUUID",
    "EnableMail",
    "EnableContacts",
    "EnableCalendars",
    "EnableReminders",
    "EnableNotes",
    "EnableMailUserOverridable",
    "EnableContactsUserOverridable",
    "EnableCalendarsUserOverridable",
    "EnableRemindersUserOverridable",
    "EnableNotesUserOverridable",
];

/// The keys of a Mail payload the conversion reads (besides its S/MIME keys);
/// PayloadDisplayName is dropped, as EmailAccountDescription names the account.
const MAIL_MAPPED: &[&str] = &[
    "PayloadDisplayName",
    "EmailAccountDescription",
    "EmailAccountName",
    "EmailAddress",
    "EmailAccountType",
    "IncomingMailServerHostName",
    "IncomingMailServerPortNumber",
    "IncomingMailServerAuthentication",
    "IncomingMailServerUsername",
    "IncomingPassword",
    "IncomingMailServerIMAPPathPrefix",
    "OutgoingMailServerHostName",
    "OutgoingMailServerPortNumber",
    "OutgoingMailServerAuthentication",
    "OutgoingMailServerUsername",
    "OutgoingPasswordSameAsIncomingPassword",
    "OutgoingPassword",
];

/// Why an S/MIME or account key that maps to nothing is reported.
const DEPRECATED: [(&str, &str); 3] = [
    (
        "SMIMEEnabled",
        "deprecated (ignored since iOS 10): use SMIMESigningEnabled",
    ),
    (
        "SMIMEEncryptionEnabled",
        "deprecated (iOS 12): use SMIMEEncryptByDefault",
    ),
    (
        "SMIMEEnablePerMessageSwitch",
        "deprecated (iOS 12): use SMIMEEnableEncryptionPerMessageSwitch",
    ),
];

impl Converter<'_> {
    fn unmapped(&mut self, payload: &str, key: &str, reason: &str) {
        self.set.unmapped.push(Unmapped {
            payload: payload.to_string(),
            key: key.to_string(),
            reason: reason.to_string(),
        });
    }

    /// Reports every key of `p` (beyond its type, version, identifier and UUID) that is
    /// not in `mapped`, the keys the conversion read.
    fn rest(&mut self, p: &Payload, mapped: &[&[&str]]) {
        for (k, _) in p.to_dictionary() {
            if METADATA.contains(&k.as_str()) || mapped.iter().any(|m| m.contains(&k.as_str())) {
                continue;
            }
            let reason = DEPRECATED
                .iter()
                .find(|(d, _)| *d == k)
                .map(|(_, r)| r.to_string())
                .unwrap_or_else(|| "no declarative equivalent".into());
            self.unmapped(&p.identifier, &k, &reason);
        }
    }

    fn configuration(&mut self, kind: &str, identifier: &str, payload: Map<String, Value>) {
        self.configurations.push(identifier.to_string());
        self.set
            .declarations
            .push(Declaration::new(kind, identifier, payload));
    }

    /// An asset whose data is `data`, declared as `kind`.
    fn asset(&mut self, kind: &str, identifier: &str, data: ExternalData) {
        let mut payload = Map::new();
        payload.insert(
            "Reference".into(),
            Value::Object(data.reference(&self.set.asset_base_url)),
        );
        self.set
            .declarations
            .push(Declaration::new(kind, identifier, payload));
        self.set.data.push(data);
    }

    fn identity(&mut self, p: &Payload) -> Result<(), Error> {
        let Content::Pkcs12(pkcs12) = &p.content else {
            return Ok(());
        };
        let bad = |missing| Error::Identity {
            payload: p.identifier.clone(),
            missing,
        };
        let unreadable = |source| Error::Pkcs12 {
            payload: p.identifier.clone(),
            source,
        };
        let der = pkcs12.data.as_ref().ok_or_else(|| bad("no PKCS#12 data"))?;
        let password = pkcs12.password.as_deref().ok_or_else(|| {
            bad(
                "no Password in the payload: an identity asset needs the PKCS#12's password \
                 (embed it in the spec, or give it to convert)",
            )
        })?;
        let mut raw =
            RawIdentity::read(der.as_ref(), &Password::new(password)).map_err(unreadable)?;
        let cert_sha256 = pbkit_pki::hex::upper(&Sha256::digest(&raw.certificate));
        let suite = self.opts.suite.to_string();
        let identifier = p.identifier.clone();
        let file = format!("{identifier}.json");
        let bytes = match self.opts.previous.get(&identifier) {
            // The same identity in the same suite: the same bytes, the same tokens.
            Some(prev) if prev.certificate_sha256 == cert_sha256 && prev.suite == suite => {
                prev.bytes.clone()
            }
            _ => {
                let fresh = Password::generate();
                // The leaf alone, as a device needs it.
                raw.chain.clear();
                let p12 = raw
                    .to_pkcs12(&fresh, &WriteOptions::new(self.opts.suite))
                    .map_err(unreadable)?;
                let doc = json!({
                    "Type": "com.apple.credential.identity",
                    "Password": fresh.as_str(),
                    "Identity": base64::engine::general_purpose::STANDARD.encode(p12),
                });
                let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
                bytes.push(b'\n');
                bytes
            }
        };
        self.set
            .identities
            .insert(identifier.clone(), (cert_sha256, suite));
        self.asset(
            "com.apple.asset.credential.identity",
            &identifier,
            ExternalData {
                file,
                content_type: "application/json",
                bytes,
                secret: true,
            },
        );
        self.assets.insert(p.uuid.clone(), identifier);
        self.rest(
            p,
            &[&[
                "PayloadContent",
                "Password",
                "PayloadCertificateFileName",
                "PayloadDisplayName",
            ]],
        );
        Ok(())
    }

    fn certificate(&mut self, p: &Payload) {
        let (Content::Root(cert) | Content::Pkcs1(cert) | Content::Pem(cert)) = &p.content else {
            return;
        };
        let Some(data) = &cert.data else {
            self.unmapped(&p.identifier, "PayloadContent", "no certificate data");
            return;
        };
        let pem = matches!(p.content, Content::Pem(_));
        let identifier = p.identifier.clone();
        self.asset(
            "com.apple.asset.credential.certificate",
            &identifier,
            ExternalData {
                file: format!("{identifier}.{}", if pem { "pem" } else { "cer" }),
                content_type: if pem {
                    "application/pem"
                } else {
                    "application/pkcs1"
                },
                bytes: data.as_ref().to_vec(),
                secret: false,
            },
        );
        let mut payload = Map::new();
        payload.insert("CredentialAssetReference".into(), identifier.clone().into());
        self.configuration(
            "com.apple.configuration.security.certificate",
            &format!("{identifier}.install"),
            payload,
        );
        self.rest(
            p,
            &[&[
                "PayloadContent",
                "PayloadCertificateFileName",
                "PayloadDisplayName",
            ]],
        );
    }

    /// The asset a reference key names.
    fn reference(
        &self,
        p: &Payload,
        key: &'static str,
        uuid: Option<String>,
        referenced: &mut Vec<String>,
    ) -> Result<Option<String>, Error> {
        let Some(uuid) = uuid else { return Ok(None) };
        match self.assets.get(&uuid) {
            Some(asset) => {
                referenced.push(uuid);
                Ok(Some(asset.clone()))
            }
            None => Err(Error::Dangling {
                payload: p.identifier.clone(),
                key,
                uuid,
            }),
        }
    }

    /// SMIME.Signing and SMIME.Encryption from an account's S/MIME keys.
    fn smime(
        &self,
        p: &Payload,
        keys: Smime<String>,
        referenced: &mut Vec<String>,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let mut smime = Map::new();
        if keys.signing_enabled.is_some()
            || keys.signing.is_some()
            || keys.signing_user_overrideable.is_some()
            || keys.signing_identity_user_overrideable.is_some()
        {
            let mut s = Map::new();
            s.insert(
                "Enabled".into(),
                keys.signing_enabled.unwrap_or(false).into(),
            );
            put(
                &mut s,
                "IdentityAssetReference",
                self.reference(p, "SMIMESigningCertificateUUID", keys.signing, referenced)?,
            );
            put(&mut s, "UserOverrideable", keys.signing_user_overrideable);
            put(
                &mut s,
                "IdentityUserOverrideable",
                keys.signing_identity_user_overrideable,
            );
            smime.insert("Signing".into(), Value::Object(s));
        }
        if keys.encrypt_by_default.is_some()
            || keys.encryption.is_some()
            || keys.encrypt_by_default_user_overrideable.is_some()
            || keys.encryption_identity_user_overrideable.is_some()
            || keys.encryption_per_message_switch.is_some()
        {
            let mut e = Map::new();
            e.insert(
                "Enabled".into(),
                keys.encrypt_by_default.unwrap_or(false).into(),
            );
            put(
                &mut e,
                "IdentityAssetReference",
                self.reference(
                    p,
                    "SMIMEEncryptionCertificateUUID",
                    keys.encryption,
                    referenced,
                )?,
            );
            put(
                &mut e,
                "UserOverrideable",
                keys.encrypt_by_default_user_overrideable,
            );
            put(
                &mut e,
                "IdentityUserOverrideable",
                keys.encryption_identity_user_overrideable,
            );
            put(
                &mut e,
                "PerMessageSwitchEnabled",
                keys.encryption_per_message_switch,
            );
            smime.insert("Encryption".into(), Value::Object(e));
        }
        Ok((!smime.is_empty()).then_some(smime))
    }

    /// A `useridentity` asset with the account's name and address, if it has either.
    fn user_identity(
        &mut self,
        p: &Payload,
        full_name: Option<String>,
        email: Option<String>,
    ) -> Option<String> {
        if full_name.is_none() && email.is_none() {
            return None;
        }
        let mut payload = Map::new();
        put(&mut payload, "FullName", full_name);
        put(&mut payload, "EmailAddress", email);
        let identifier = format!("{}.useridentity", p.identifier);
        self.set.declarations.push(Declaration::new(
            "com.apple.asset.useridentity",
            &identifier,
            payload,
        ));
        Some(identifier)
    }

    /// A `credential.userpassword` asset with a user name and, if given, a password.
    fn credentials(
        &mut self,
        identifier: String,
        user: Option<String>,
        password: Option<String>,
    ) -> Option<String> {
        let user = user?;
        let mut doc = Map::new();
        doc.insert(
            "Type".into(),
            "com.apple.credential.usernameandpassword".into(),
        );
        doc.insert("UserName".into(), user.into());
        let secret = password.is_some();
        put(&mut doc, "Password", password);
        let mut bytes = serde_json::to_vec_pretty(&Value::Object(doc)).unwrap_or_default();
        bytes.push(b'\n');
        self.asset(
            "com.apple.asset.credential.userpassword",
            &identifier,
            ExternalData {
                file: format!("{identifier}.json"),
                content_type: "application/json",
                bytes,
                secret,
            },
        );
        Some(identifier)
    }

    fn exchange(
        &mut self,
        p: &Payload,
        e: &Exchange,
        referenced: &mut Vec<String>,
    ) -> Result<(), Error> {
        let mut d = Map::new();
        put(&mut d, "VisibleName", p.display_name.clone());
        d.insert("EnabledProtocolTypes".into(), json!(["EAS"]));
        put(
            &mut d,
            "UserIdentityAssetReference",
            self.user_identity(p, None, e.email_address.clone()),
        );
        put(&mut d, "HostName", e.host.clone());
        if e.oauth.is_some() || e.oauth_sign_in_url.is_some() || e.oauth_token_request_url.is_some()
        {
            let mut o = Map::new();
            o.insert("Enabled".into(), e.oauth.unwrap_or(false).into());
            put(&mut o, "SignInURL", e.oauth_sign_in_url.clone());
            put(&mut o, "TokenRequestURL", e.oauth_token_request_url.clone());
            d.insert("OAuth".into(), Value::Object(o));
        }
        put(
            &mut d,
            "AuthenticationCredentialsAssetReference",
            self.credentials(
                format!("{}.credentials", p.identifier),
                e.user_name.clone(),
                e.password.clone(),
            ),
        );
        put(
            &mut d,
            "AuthenticationIdentityAssetReference",
            self.reference(
                p,
                "PayloadCertificateUUID",
                e.payload_certificate_uuid.clone(),
                referenced,
            )?,
        );
        put(&mut d, "SMIME", self.smime(p, e.smime(), referenced)?);
        for (service, active, overridable) in [
            ("Mail", e.enable_mail, e.enable_mail_user_overridable),
            (
                "Contacts",
                e.enable_contacts,
                e.enable_contacts_user_overridable,
            ),
            (
                "Calendar",
                e.enable_calendars,
                e.enable_calendars_user_overridable,
            ),
            (
                "Reminders",
                e.enable_reminders,
                e.enable_reminders_user_overridable,
            ),
            ("Notes", e.enable_notes, e.enable_notes_user_overridable),
        ] {
            put(&mut d, &format!("{service}ServiceActive"), active);
            // A service the user may not switch is a locked one.
            put(
                &mut d,
                &format!("Lock{service}Service"),
                overridable.map(|o| !o),
            );
        }
        self.configuration("com.apple.configuration.account.exchange", &p.identifier, d);
        self.rest(p, &[EXCHANGE_MAPPED, &Smime::<String>::KEYS]);
        Ok(())
    }

    fn mail(&mut self, p: &Payload, m: &Mail, referenced: &mut Vec<String>) -> Result<(), Error> {
        let mut d = Map::new();
        put(&mut d, "VisibleName", m.email_account_description.clone());
        put(
            &mut d,
            "UserIdentityAssetReference",
            self.user_identity(p, m.email_account_name.clone(), m.email_address.clone()),
        );
        let method = |m: &Option<String>| {
            m.as_deref().map(|m| match m {
                "EmailAuthNone" => "None".to_string(),
                "EmailAuthPassword" => "Password".into(),
                "EmailAuthCRAMMD5" => "CRAMMD5".into(),
                "EmailAuthNTLM" => "NTLM".into(),
                "EmailAuthHTTPMD5" => "HTTPMD5".into(),
                other => other.into(),
            })
        };
        let mut incoming = Map::new();
        let server_type = m.email_account_type.as_deref().map(|t| match t {
            "EmailTypeIMAP" => "IMAP".to_string(),
            "EmailTypePOP" => "POP".into(),
            other => other.into(),
        });
        put(&mut incoming, "ServerType", server_type);
        put(
            &mut incoming,
            "HostName",
            m.incoming_mail_server_host_name.clone(),
        );
        put(&mut incoming, "Port", m.incoming_mail_server_port_number);
        put(
            &mut incoming,
            "AuthenticationMethod",
            method(&m.incoming_mail_server_authentication),
        );
        let in_user = m.incoming_mail_server_username.clone();
        let in_password = m.incoming_password.clone();
        let in_asset = self.credentials(
            format!("{}.incoming-credentials", p.identifier),
            in_user.clone(),
            in_password.clone(),
        );
        put(
            &mut incoming,
            "AuthenticationCredentialsAssetReference",
            in_asset.clone(),
        );
        put(
            &mut incoming,
            "IMAPPathPrefix",
            m.incoming_mail_server_imap_path_prefix.clone(),
        );
        let mut outgoing = Map::new();
        put(
            &mut outgoing,
            "HostName",
            m.outgoing_mail_server_host_name.clone(),
        );
        put(&mut outgoing, "Port", m.outgoing_mail_server_port_number);
        put(
            &mut outgoing,
            "AuthenticationMethod",
            method(&m.outgoing_mail_server_authentication),
        );
        let out_user = m.outgoing_mail_server_username.clone();
        let same = m.outgoing_password_same_as_incoming_password == Some(true);
        let out_password = m.outgoing_password.clone();
        let out_asset = if same && out_user == in_user && out_password.is_none() {
            // The same user and password: one credential serves both servers.
            in_asset
        } else {
            let password = if same { in_password } else { out_password };
            self.credentials(
                format!("{}.outgoing-credentials", p.identifier),
                out_user,
                password,
            )
        };
        put(
            &mut outgoing,
            "AuthenticationCredentialsAssetReference",
            out_asset,
        );
        d.insert("IncomingServer".into(), Value::Object(incoming));
        d.insert("OutgoingServer".into(), Value::Object(outgoing));
        put(&mut d, "SMIME", self.smime(p, m.smime(), referenced)?);
        self.configuration("com.apple.configuration.account.mail", &p.identifier, d);
        self.rest(p, &[MAIL_MAPPED, &Smime::<String>::KEYS]);
        Ok(())
    }
}
