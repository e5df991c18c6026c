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
use pbkit_profile::model::{Content, Payload, Profile};
use plist::{Dictionary, Value as Plist};
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
            Content::Exchange(_) => c.exchange(p, &mut referenced)?,
            Content::Mail(_) => c.mail(p, &mut referenced)?,
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

/// The keys of a payload, taken one by one; what is left is reported.
struct Keys {
    d: Dictionary,
}

impl Keys {
    fn of(p: &Payload) -> Keys {
        let mut d = p.to_dictionary();
        for k in METADATA {
            d.remove(k);
        }
        Keys { d }
    }
    /// Takes key `k` when `read` accepts its value; a value of another type stays, to be
    /// reported as not converted.
    fn take<T>(&mut self, k: &str, read: impl Fn(&Plist) -> Option<T>) -> Option<T> {
        let value = read(self.d.get(k)?)?;
        self.d.remove(k);
        Some(value)
    }
    fn string(&mut self, k: &str) -> Option<String> {
        self.take(k, |v| v.as_string().map(str::to_string))
    }
    fn bool(&mut self, k: &str) -> Option<bool> {
        self.take(k, Plist::as_boolean)
    }
    fn int(&mut self, k: &str) -> Option<i64> {
        self.take(k, Plist::as_signed_integer)
    }
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(k.into(), v.into());
    }
}

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

    fn rest(&mut self, payload: &str, keys: Keys) {
        for (k, _) in keys.d {
            let reason = DEPRECATED
                .iter()
                .find(|(d, _)| *d == k)
                .map(|(_, r)| r.to_string())
                .unwrap_or_else(|| "no declarative equivalent".into());
            self.unmapped(payload, &k, &reason);
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
        let mut keys = Keys::of(p);
        for k in [
            "PayloadContent",
            "Password",
            "PayloadCertificateFileName",
            "PayloadDisplayName",
        ] {
            keys.d.remove(k);
        }
        self.rest(&p.identifier, keys);
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
        let mut keys = Keys::of(p);
        for k in [
            "PayloadContent",
            "PayloadCertificateFileName",
            "PayloadDisplayName",
        ] {
            keys.d.remove(k);
        }
        self.rest(&p.identifier, keys);
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

    /// SMIME.Signing and SMIME.Encryption from the profile's S/MIME keys.
    fn smime(
        &self,
        p: &Payload,
        keys: &mut Keys,
        referenced: &mut Vec<String>,
    ) -> Result<Option<Map<String, Value>>, Error> {
        let mut smime = Map::new();
        let signing_enabled = keys.bool("SMIMESigningEnabled");
        let signing_identity = keys.string("SMIMESigningCertificateUUID");
        let signing_override = keys.bool("SMIMESigningUserOverrideable");
        let signing_identity_override = keys.bool("SMIMESigningCertificateUUIDUserOverrideable");
        if signing_enabled.is_some()
            || signing_identity.is_some()
            || signing_override.is_some()
            || signing_identity_override.is_some()
        {
            let mut s = Map::new();
            s.insert("Enabled".into(), signing_enabled.unwrap_or(false).into());
            put(
                &mut s,
                "IdentityAssetReference",
                self.reference(
                    p,
                    "SMIMESigningCertificateUUID",
                    signing_identity,
                    referenced,
                )?,
            );
            put(&mut s, "UserOverrideable", signing_override);
            put(
                &mut s,
                "IdentityUserOverrideable",
                signing_identity_override,
            );
            smime.insert("Signing".into(), Value::Object(s));
        }
        let by_default = keys.bool("SMIMEEncryptByDefault");
        let encryption_identity = keys.string("SMIMEEncryptionCertificateUUID");
        let by_default_override = keys.bool("SMIMEEncryptByDefaultUserOverrideable");
        let encryption_identity_override =
            keys.bool("SMIMEEncryptionCertificateUUIDUserOverrideable");
        let per_message = keys.bool("SMIMEEnableEncryptionPerMessageSwitch");
        if by_default.is_some()
            || encryption_identity.is_some()
            || by_default_override.is_some()
            || encryption_identity_override.is_some()
            || per_message.is_some()
        {
            let mut e = Map::new();
            e.insert("Enabled".into(), by_default.unwrap_or(false).into());
            put(
                &mut e,
                "IdentityAssetReference",
                self.reference(
                    p,
                    "SMIMEEncryptionCertificateUUID",
                    encryption_identity,
                    referenced,
                )?,
            );
            put(&mut e, "UserOverrideable", by_default_override);
            put(
                &mut e,
                "IdentityUserOverrideable",
                encryption_identity_override,
            );
            put(&mut e, "PerMessageSwitchEnabled", per_message);
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

    fn exchange(&mut self, p: &Payload, referenced: &mut Vec<String>) -> Result<(), Error> {
        let mut keys = Keys::of(p);
        let mut d = Map::new();
        put(&mut d, "VisibleName", keys.string("PayloadDisplayName"));
        d.insert("EnabledProtocolTypes".into(), json!(["EAS"]));
        let email = keys.string("EmailAddress");
        put(
            &mut d,
            "UserIdentityAssetReference",
            self.user_identity(p, None, email),
        );
        put(&mut d, "HostName", keys.string("Host"));
        let oauth = keys.bool("OAuth");
        let sign_in = keys.string("OAuthSignInURL");
        let token = keys.string("OAuthTokenRequestURL");
        if oauth.is_some() || sign_in.is_some() || token.is_some() {
            let mut o = Map::new();
            o.insert("Enabled".into(), oauth.unwrap_or(false).into());
            put(&mut o, "SignInURL", sign_in);
            put(&mut o, "TokenRequestURL", token);
            d.insert("OAuth".into(), Value::Object(o));
        }
        let user = keys.string("UserName");
        let password = keys.string("Password");
        put(
            &mut d,
            "AuthenticationCredentialsAssetReference",
            self.credentials(format!("{}.credentials", p.identifier), user, password),
        );
        put(
            &mut d,
            "AuthenticationIdentityAssetReference",
            self.reference(
                p,
                "PayloadCertificateUUID",
                keys.string("PayloadCertificateUUID"),
                referenced,
            )?,
        );
        put(&mut d, "SMIME", self.smime(p, &mut keys, referenced)?);
        for (service, key) in ["Mail", "Contacts", "Calendar", "Reminders", "Notes"]
            .into_iter()
            .zip([
                "EnableMail",
                "EnableContacts",
                "EnableCalendars",
                "EnableReminders",
                "EnableNotes",
            ])
        {
            put(&mut d, &format!("{service}ServiceActive"), keys.bool(key));
            // A service the user may not switch is a locked one.
            let overridable = keys.bool(&format!("{key}UserOverridable"));
            put(
                &mut d,
                &format!("Lock{service}Service"),
                overridable.map(|o| !o),
            );
        }
        self.configuration("com.apple.configuration.account.exchange", &p.identifier, d);
        self.rest(&p.identifier, keys);
        Ok(())
    }

    fn mail(&mut self, p: &Payload, referenced: &mut Vec<String>) -> Result<(), Error> {
        let mut keys = Keys::of(p);
        let mut d = Map::new();
        keys.d.remove("PayloadDisplayName");
        put(
            &mut d,
            "VisibleName",
            keys.string("EmailAccountDescription"),
        );
        let name = keys.string("EmailAccountName");
        let email = keys.string("EmailAddress");
        put(
            &mut d,
            "UserIdentityAssetReference",
            self.user_identity(p, name, email),
        );
        let method = |m: Option<String>| {
            m.map(|m| match m.as_str() {
                "EmailAuthNone" => "None".to_string(),
                "EmailAuthPassword" => "Password".into(),
                "EmailAuthCRAMMD5" => "CRAMMD5".into(),
                "EmailAuthNTLM" => "NTLM".into(),
                "EmailAuthHTTPMD5" => "HTTPMD5".into(),
                other => other.into(),
            })
        };
        let mut incoming = Map::new();
        let server_type = keys.string("EmailAccountType").map(|t| match t.as_str() {
            "EmailTypeIMAP" => "IMAP".to_string(),
            "EmailTypePOP" => "POP".into(),
            other => other.into(),
        });
        put(&mut incoming, "ServerType", server_type);
        put(
            &mut incoming,
            "HostName",
            keys.string("IncomingMailServerHostName"),
        );
        put(
            &mut incoming,
            "Port",
            keys.int("IncomingMailServerPortNumber"),
        );
        put(
            &mut incoming,
            "AuthenticationMethod",
            method(keys.string("IncomingMailServerAuthentication")),
        );
        let in_user = keys.string("IncomingMailServerUsername");
        let in_password = keys.string("IncomingPassword");
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
            keys.string("IncomingMailServerIMAPPathPrefix"),
        );
        let mut outgoing = Map::new();
        put(
            &mut outgoing,
            "HostName",
            keys.string("OutgoingMailServerHostName"),
        );
        put(
            &mut outgoing,
            "Port",
            keys.int("OutgoingMailServerPortNumber"),
        );
        put(
            &mut outgoing,
            "AuthenticationMethod",
            method(keys.string("OutgoingMailServerAuthentication")),
        );
        let out_user = keys.string("OutgoingMailServerUsername");
        let same = keys.bool("OutgoingPasswordSameAsIncomingPassword") == Some(true);
        let out_password = keys.string("OutgoingPassword");
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
        put(&mut d, "SMIME", self.smime(p, &mut keys, referenced)?);
        self.configuration("com.apple.configuration.account.mail", &p.identifier, d);
        self.rest(&p.identifier, keys);
        Ok(())
    }
}
