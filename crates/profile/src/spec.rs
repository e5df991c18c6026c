//! Declarative profile specs (TOML) and building profiles from them.
//!
//! ```toml
//! [profile]
//! identifier = "mil.example.purebred"
//! display_name = "Purebred S/MIME"
//!
//! [vars]                       # defaults for {{name}} placeholders; --var overrides
//! host = "mail.example.mil"
//!
//! [[payloads]]
//! name = "signing"             # references use this name
//! type = "com.apple.security.pkcs12"
//! file = "signing.p12"         # relative to the spec
//! password_file = "signing.pw"
//! suite = "ios-legacy"         # optional: repack to a named suite
//! embed_password = true        # optional: put Password in the payload
//!
//! [[payloads]]
//! name = "exchange"
//! type = "com.apple.eas.account"
//! [payloads.keys]              # Apple's keys, as in the schema
//! EmailAddress = "$EMAIL"      # Jamf variables pass through untouched
//! Host = "{{host}}"
//! SMIMESigningCertificateUUID = { payload = "signing" }
//! ```
//!
//! UUIDs are deterministic (UUIDv5 of the profile identifier and the payload name), so a
//! rebuild is byte-identical (PKCS#12 payloads aside, whose encryption is salted) and a
//! Jamf replace keeps its identifiers. `uuid = "…"` overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plist::{Dictionary, Value};
use serde::Deserialize;
use uuid::Uuid;

use crate::model::{Content, Payload, Profile, TopLevel};
use crate::Error;
use pbkit_pkcs12::{Identity, Password, Suite, WriteOptions};

/// The namespace of pbkit's UUIDv5s.
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_5b0e_8d3a_4a57_9a43_51d2_7c3e_b0a1);

/// A parsed spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The top level.
    pub profile: ProfileSpec,
    /// Defaults for `{{name}}` placeholders.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The payloads, in order.
    #[serde(default)]
    pub payloads: Vec<PayloadSpec>,
}

/// `[profile]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// PayloadIdentifier.
    pub identifier: String,
    /// Explicit PayloadUUID (default: UUIDv5 of the identifier).
    pub uuid: Option<String>,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    /// PayloadDescription.
    pub description: Option<String>,
    /// PayloadOrganization.
    pub organization: Option<String>,
    /// PayloadRemovalDisallowed.
    pub removal_disallowed: Option<bool>,
    /// PayloadScope.
    pub scope: Option<String>,
}

/// `[[payloads]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadSpec {
    /// The name other payloads refer to it by; also the last part of its identifier.
    pub name: String,
    /// PayloadType.
    #[serde(rename = "type")]
    pub payload_type: String,
    /// Explicit PayloadUUID.
    pub uuid: Option<String>,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    /// PayloadDescription.
    pub description: Option<String>,
    /// Certificate payloads: the PEM, DER or PKCS#12 file, relative to the spec.
    pub file: Option<String>,
    /// PKCS#12 payloads: file holding the file's password, relative to the spec.
    pub password_file: Option<String>,
    /// PKCS#12 payloads: environment variable holding the file's password.
    pub password_env: Option<String>,
    /// PKCS#12 payloads: repack to this suite.
    pub suite: Option<String>,
    /// PKCS#12 payloads: put the password in the payload (else the device asks).
    #[serde(default)]
    pub embed_password: bool,
    /// Apple's keys for this payload type.
    #[serde(default)]
    pub keys: toml::Table,
}

/// What `build` needs besides the spec: where relative paths start, and variables.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The spec's folder (relative `file`s start here).
    pub base: PathBuf,
    /// `--var` values, overriding `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Replacement files for named payloads (the rollout puts a user's identity here),
    /// with the password that opens each. The caller vouches that each opens as one
    /// identity with its password (it just wrote them); they are not read again.
    pub identities: BTreeMap<String, (Vec<u8>, Password)>,
    /// Values for Jamf payload variables (`EMAIL` for `$EMAIL`), when building for one
    /// known user as Jamf would per device. Empty: the variables pass through untouched.
    pub jamf: BTreeMap<String, String>,
    /// Overrides every PKCS#12 payload's `embed_password`.
    pub embed_password: Option<bool>,
}

impl BuildContext {
    /// `s` with `{{name}}` placeholders rendered and Jamf variables filled in.
    fn text(&self, s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = render(s, vars)?;
        // Longest names first, so that $FULLNAME is not read as $FULL + NAME.
        let mut names: Vec<_> = self.jamf.iter().collect();
        names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        for (k, v) in names {
            out = out.replace(&format!("${k}"), v);
        }
        Ok(out)
    }
}

impl Spec {
    /// Parses a spec; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, Error> {
        toml::from_str(text).map_err(|e| Error::Spec {
            file: origin.into(),
            key: String::new(),
            detail: e.message().to_string(),
        })
    }

    /// Reads and parses a spec file.
    pub fn read(path: &Path) -> Result<Spec, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Spec::parse(&text, &path.display().to_string())
    }

    /// Builds the profile.
    pub fn build(&self, origin: &str, ctx: &BuildContext) -> Result<Profile, Error> {
        let err = |key: String, detail: String| Error::Spec {
            file: origin.into(),
            key,
            detail,
        };
        let mut vars = self.vars.clone();
        vars.extend(ctx.vars.clone());
        let subst = |s: &str, key: &str| ctx.text(s, &vars).map_err(|d| err(key.into(), d));

        let identifier = subst(&self.profile.identifier, "profile.identifier")?;
        let uuid = match &self.profile.uuid {
            Some(u) => canonical_uuid(u).map_err(|d| err("profile.uuid".into(), d))?,
            None => v5(&identifier),
        };
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        for (i, p) in self.payloads.iter().enumerate() {
            let key = format!("payloads[{i}]");
            let id = match &p.uuid {
                Some(u) => canonical_uuid(u).map_err(|d| err(format!("{key}.uuid"), d))?,
                None => v5(&format!("{identifier}/{}", p.name)),
            };
            if names.insert(&p.name, id).is_some() {
                return Err(err(
                    format!("{key}.name"),
                    format!("payload name {:?} is used twice", p.name),
                ));
            }
        }

        let mut payloads = Vec::new();
        for (i, p) in self.payloads.iter().enumerate() {
            let key = format!("payloads[{i}]");
            let mut d = Dictionary::new();
            d.insert("PayloadType".into(), p.payload_type.clone().into());
            d.insert("PayloadVersion".into(), 1.into());
            d.insert(
                "PayloadIdentifier".into(),
                format!("{identifier}.{}", p.name).into(),
            );
            d.insert("PayloadUUID".into(), names[p.name.as_str()].clone().into());
            for (k, v) in [
                ("PayloadDisplayName", &p.display_name),
                ("PayloadDescription", &p.description),
            ] {
                if let Some(v) = v {
                    d.insert(k.into(), subst(v, &format!("{key}.{k}"))?.into());
                }
            }
            let known = Content::known_keys(&p.payload_type);
            let modelled = !known.is_empty();
            for (k, v) in &p.keys {
                let path = format!("{key}.keys.{k}");
                if modelled && !known.contains(&k.as_str()) {
                    return Err(err(path, format!("not a key of {}", p.payload_type)));
                }
                d.insert(
                    k.clone(),
                    to_plist(v, &path, &names, &vars, ctx).map_err(|e| err(path.clone(), e))?,
                );
            }
            if let Some(file) = &p.file {
                let file = subst(file, &format!("{key}.file"))?;
                certificate_content(p, &file, ctx, &mut d)
                    .map_err(|e| err(format!("{key}.file"), e))?;
            } else if let Some((der, pw)) = ctx.identities.get(&p.name) {
                pkcs12_content(p, der.clone(), pw, ctx, &mut d).map_err(|e| err(key.clone(), e))?;
            }
            // Type-check key by key so the error names the key.
            if modelled {
                for (k, v) in d.iter().filter(|(k, _)| known.contains(&k.as_str())) {
                    let mut one = Dictionary::new();
                    one.insert(k.clone(), v.clone());
                    Content::from_dictionary(&p.payload_type, one)
                        .map_err(|e| err(format!("{key}.keys.{k}"), e))?;
                }
            }
            payloads.push(Payload::from_dictionary(d)?);
        }

        let text = |v: &Option<String>, k: &str| v.as_deref().map(|s| subst(s, k)).transpose();
        Ok(Profile {
            identifier,
            uuid,
            version: 1,
            top: TopLevel {
                display_name: text(&self.profile.display_name, "profile.display_name")?,
                description: text(&self.profile.description, "profile.description")?,
                organization: text(&self.profile.organization, "profile.organization")?,
                removal_disallowed: self.profile.removal_disallowed,
                scope: self.profile.scope.clone(),
                ..TopLevel::default()
            },
            payloads,
            extra: Dictionary::new(),
        })
    }
}

/// Uppercase canonical UUIDv5 of `name` in pbkit's namespace.
pub fn v5(name: &str) -> String {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
        .to_string()
        .to_uppercase()
}

fn canonical_uuid(s: &str) -> Result<String, String> {
    Uuid::parse_str(s)
        .map(|u| u.to_string().to_uppercase())
        .map_err(|e| format!("{s:?} is not a UUID: {e}"))
}

/// Replaces `{{name}}` placeholders; anything else (Jamf's `$EMAIL`) passes through.
pub fn render(s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed {{{{ in {s:?}"))?;
        let name = after[..end].trim();
        let value = vars.get(name).ok_or_else(|| {
            format!(
                "undefined variable {{{{{name}}}}} (give it in [vars] or with --var {name}=VALUE)"
            )
        })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn to_plist(
    v: &toml::Value,
    path: &str,
    names: &BTreeMap<&str, String>,
    vars: &BTreeMap<String, String>,
    ctx: &BuildContext,
) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => ctx.text(s, vars)?.into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Datetime(d) => {
            let text = d.to_string();
            Value::Date(plist::Date::from_xml_format(&text).map_err(|_| {
                format!("{text} is not a UTC date-time (write it as 2027-01-01T00:00:00Z)")
            })?)
        }
        toml::Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_plist(x, &format!("{path}[{i}]"), names, vars, ctx))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => {
            if let (1, Some(toml::Value::String(target))) = (t.len(), t.get("payload")) {
                return names
                    .get(target.as_str())
                    .map(|u| Value::String(u.clone()))
                    .ok_or_else(|| {
                        format!("refers to payload {target:?}, which the spec does not define")
                    });
            }
            let mut d = Dictionary::new();
            for (k, x) in t {
                d.insert(
                    k.clone(),
                    to_plist(x, &format!("{path}.{k}"), names, vars, ctx)?,
                );
            }
            Value::Dictionary(d)
        }
    })
}

fn read_password(p: &PayloadSpec, base: &Path) -> Result<Option<Password>, String> {
    if let Some(f) = &p.password_file {
        let path = base.join(f);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("password_file {}: {e}", path.display()))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        return Ok(Some(Password::new(text.strip_suffix('\r').unwrap_or(text))));
    }
    if let Some(var) = &p.password_env {
        return std::env::var(var)
            .map(|v| Some(Password::new(v)))
            .map_err(|_| format!("password_env {var}: not set"));
    }
    Ok(None)
}

/// Fills PayloadContent (and for PKCS#12 the Password) from `file`.
fn certificate_content(
    p: &PayloadSpec,
    file: &str,
    ctx: &BuildContext,
    d: &mut Dictionary,
) -> Result<(), String> {
    if let Some((der, pw)) = ctx.identities.get(&p.name) {
        return pkcs12_content(p, der.clone(), pw, ctx, d);
    }
    let path = ctx.base.join(file);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    match p.payload_type.as_str() {
        "com.apple.security.pkcs12" => {
            let pw = read_password(p, &ctx.base)?
                .ok_or("a PKCS#12 payload needs password_file or password_env to open its file")?;
            pkcs12_content(p, bytes, &pw, ctx, d)?;
        }
        "com.apple.security.root" | "com.apple.security.pkcs1" | "com.apple.security.pem" => {
            let mut certs = pbkit_pki::bundle::parse(&bytes, &path.display().to_string())
                .map_err(|e| e.to_string())?;
            if certs.len() != 1 {
                return Err(format!(
                    "{}: holds {} certificates; a certificate payload holds one",
                    path.display(),
                    certs.len()
                ));
            }
            let cert = certs.remove(0);
            let data = if p.payload_type == "com.apple.security.pem" {
                cert.to_pem().map_err(|e| e.to_string())?
            } else {
                cert.der().to_vec()
            };
            d.insert("PayloadContent".into(), Value::Data(data));
        }
        other => return Err(format!("`file` is for certificate payloads, not {other}")),
    }
    if let Some(n) = name {
        if !d.contains_key("PayloadCertificateFileName") {
            d.insert("PayloadCertificateFileName".into(), n.into());
        }
    }
    Ok(())
}

fn pkcs12_content(
    p: &PayloadSpec,
    der: Vec<u8>,
    pw: &Password,
    ctx: &BuildContext,
    d: &mut Dictionary,
) -> Result<(), String> {
    let target: Option<Suite> = p
        .suite
        .as_deref()
        .map(|name| {
            name.parse()
                .map_err(|e: pbkit_pkcs12::UnknownSuite| e.to_string())
        })
        .transpose()?;
    let in_suite = match target {
        None => true,
        Some(suite) => {
            pbkit_pkcs12::inspect(&der, None)
                .map_err(|e| e.to_string())?
                .suite
                == Some(suite)
        }
    };
    let der = match target {
        // Opening it to repack is also the check that it holds one identity.
        Some(suite) if !in_suite => Identity::from_pkcs12(&der, pw)
            .and_then(|id| id.to_pkcs12(pw, &WriteOptions::new(suite)))
            .map_err(|e| e.to_string())?,
        _ => {
            // Kept as it is: a file from disk must still open as one identity, as the
            // payload requires. (Identities handed over in the context were just written
            // by the caller.)
            if !ctx.identities.contains_key(&p.name) {
                Identity::from_pkcs12(&der, pw).map_err(|e| e.to_string())?;
            }
            der
        }
    };
    d.insert("PayloadContent".into(), Value::Data(der));
    if ctx.embed_password.unwrap_or(p.embed_password) {
        d.insert("Password".into(), pw.as_str().into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_render_and_jamf_variables_pass_through() {
        let vars = BTreeMap::from([("host".to_string(), "mail.example.mil".to_string())]);
        assert_eq!(
            render("https://{{host}}/$EMAIL", &vars).unwrap(),
            "https://mail.example.mil/$EMAIL"
        );
        assert!(render("{{nope}}", &vars)
            .unwrap_err()
            .contains("undefined variable {{nope}}"));
        assert!(render("{{host", &vars).unwrap_err().contains("unclosed"));
    }

    #[test]
    fn uuids_are_stable_and_uppercase() {
        assert_eq!(v5("a"), v5("a"));
        assert_ne!(v5("a"), v5("b"));
        assert_eq!(v5("a"), v5("a").to_uppercase());
    }
}
