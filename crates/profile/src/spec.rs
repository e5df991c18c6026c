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

use crate::builder::{canonical_uuid, PayloadParams};
use crate::model::{Content, Pkcs12, Profile, TopLevel};
use crate::Error;
use pbkit_pkcs12::{Identity, Password, PasswordSource, Suite, WriteOptions};
use pbkit_pki::{Certificate, Facts};

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

/// Why a spec does not build; [`Error::Spec`] adds the file and the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecProblem {
    /// The TOML does not parse or does not have the spec's shape.
    #[error("{0}")]
    Toml(String),
    /// A `{{name}}` placeholder has no value.
    #[error("undefined variable {{{{{0}}}}} (give it in [vars] or with --var {0}=VALUE)")]
    UndefinedVariable(String),
    /// A `{{` without its `}}`.
    #[error("unclosed {{{{ in {0:?}")]
    UnclosedPlaceholder(String),
    /// Two payloads have one name.
    #[error("payload name {0:?} is used twice")]
    DuplicateName(String),
    /// A `{ payload = "name" }` reference to a payload the spec does not define.
    #[error("refers to payload {0:?}, which the spec does not define")]
    UnknownPayload(String),
    /// A uuid that is not a UUID.
    #[error("{0:?} is not a UUID")]
    NotUuid(String),
    /// A key that the payload type does not have.
    #[error("not a key of {0}")]
    UnknownKey(String),
    /// A value of the wrong type for its key.
    #[error("must be {expected}, not {found}")]
    WrongType {
        /// Apple's type, e.g. `<boolean>`.
        expected: String,
        /// The type given.
        found: &'static str,
    },
    /// A TOML date-time that is not UTC.
    #[error("{0} is not a UTC date-time (write it as 2027-01-01T00:00:00Z)")]
    NotUtc(String),
    /// `file` on a payload type that holds no file.
    #[error("`file` is for certificate payloads, not {0}")]
    FileNotForType(String),
    /// A file could not be read.
    #[error(transparent)]
    Read(pbkit_infile::Error),
    /// A certificate file does not hold exactly one certificate.
    #[error("{path}: holds {count} certificates; a certificate payload holds one")]
    CertificateCount {
        /// The file.
        path: String,
        /// How many it holds.
        count: usize,
    },
    /// A certificate file could not be read.
    #[error(transparent)]
    Certificate(#[from] pbkit_pki::Error),
    /// A PKCS#12 payload names no password.
    #[error("a PKCS#12 payload needs password_file or password_env to open its file")]
    NoPassword,
    /// A PKCS#12 could not be read, repacked or its password read.
    #[error("{origin}: {source}")]
    Pkcs12 {
        /// The file (or password source).
        origin: String,
        /// The error.
        #[source]
        source: pbkit_pkcs12::Error,
    },
    /// `suite` names no suite.
    #[error(transparent)]
    Suite(#[from] pbkit_pkcs12::UnknownSuite),
    /// An identity does not fit the S/MIME use the account names it for.
    #[error(transparent)]
    Unfit(#[from] pbkit_pkcs12::Unfit),
}

/// An identity handed to [`Spec::build`] in place of a payload's file: PKCS#12 bytes the
/// caller just wrote, the password that opens them, and the identity's certificate (for
/// the fitness check, without decrypting the file again).
#[derive(Debug, Clone)]
pub struct ProvidedIdentity {
    /// The PKCS#12, already in the spec's suite.
    pub pkcs12: Vec<u8>,
    /// Its password.
    pub password: Password,
    /// The identity's certificate's facts, for the identity rule: read from its DER with
    /// [`pbkit_pki::Facts::from_der`], no OpenSSL decode on a rollout's per-user path.
    pub facts: Facts,
}

/// What `build` needs besides the spec: where relative paths start, and variables.
#[derive(Debug, Clone, Default)]
pub struct BuildContext {
    /// The spec's folder (relative `file`s start here).
    pub base: PathBuf,
    /// `--var` values, overriding `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Replacement identities for named payloads (the rollout puts a user's here).
    pub identities: BTreeMap<String, ProvidedIdentity>,
    /// Values for Jamf payload variables (`EMAIL` for `$EMAIL`), when building for one
    /// known user as Jamf would per device. Empty: the variables pass through untouched.
    pub jamf: BTreeMap<String, String>,
    /// Overrides every PKCS#12 payload's `embed_password`.
    pub embed_password: Option<bool>,
    /// Appended to the profile's PayloadIdentifier (after a `.`) before anything is derived
    /// from it: the rollout gives each user a profile identifier, and so UUIDs, of their own.
    pub identifier_suffix: Option<String>,
}

impl BuildContext {
    /// `s` with `{{name}}` placeholders rendered and Jamf variables filled in.
    fn text(&self, s: &str, vars: &BTreeMap<String, String>) -> Result<String, SpecProblem> {
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

/// One build: the spec's file name, the variables, the context.
struct Build<'a> {
    origin: &'a str,
    vars: BTreeMap<String, String>,
    ctx: &'a BuildContext,
}

impl Build<'_> {
    fn err(&self, key: impl Into<String>, problem: impl Into<SpecProblem>) -> Error {
        Error::Spec {
            file: self.origin.into(),
            key: key.into(),
            problem: Box::new(problem.into()),
        }
    }

    fn text(&self, s: &str, key: &str) -> Result<String, Error> {
        self.ctx.text(s, &self.vars).map_err(|p| self.err(key, p))
    }

    fn opt_text(&self, s: &Option<String>, key: &str) -> Result<Option<String>, Error> {
        s.as_deref().map(|s| self.text(s, key)).transpose()
    }
}

impl Spec {
    /// Parses a spec; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Spec, Error> {
        toml::from_str(text).map_err(|e| Error::Spec {
            file: origin.into(),
            key: String::new(),
            problem: Box::new(SpecProblem::Toml(e.message().to_string())),
        })
    }

    /// Reads and parses a spec file.
    pub fn read(path: &Path) -> Result<Spec, Error> {
        let bytes = crate::read_file(path)?;
        let origin = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|_| Error::Spec {
            file: origin.clone(),
            key: String::new(),
            problem: Box::new(SpecProblem::Toml("not UTF-8 text".into())),
        })?;
        Spec::parse(&text, &origin)
    }

    /// Builds the profile with the typed builder: names become identifiers and UUIDs,
    /// `{ payload = "name" }` references become the named payload's UUID, and every
    /// S/MIME identity must fit its use ([`pbkit_pkcs12::fitness`]).
    pub fn build(&self, origin: &str, ctx: &BuildContext) -> Result<Profile, Error> {
        let mut vars = self.vars.clone();
        vars.extend(ctx.vars.clone());
        let b = Build { origin, vars, ctx };
        let p = &self.profile;
        let mut identifier = b.text(&p.identifier, "profile.identifier")?;
        if let Some(suffix) = &ctx.identifier_suffix {
            identifier = format!("{identifier}.{suffix}");
        }
        let mut builder = Profile::builder(identifier).top(TopLevel {
            display_name: b.opt_text(&p.display_name, "profile.display_name")?,
            description: b.opt_text(&p.description, "profile.description")?,
            organization: b.opt_text(&p.organization, "profile.organization")?,
            removal_disallowed: p.removal_disallowed,
            scope: p.scope.clone(),
            ..TopLevel::default()
        });
        if let Some(u) = &p.uuid {
            let u = canonical_uuid(u)
                .ok_or_else(|| b.err("profile.uuid", SpecProblem::NotUuid(u.clone())))?;
            builder = builder.uuid(u);
        }

        // Every name's UUID first: references may point forward.
        let mut names: BTreeMap<&str, String> = BTreeMap::new();
        let mut explicit = Vec::new();
        for (i, ps) in self.payloads.iter().enumerate() {
            let key = format!("payloads[{i}]");
            let uuid = match &ps.uuid {
                Some(u) => Some(canonical_uuid(u).ok_or_else(|| {
                    b.err(format!("{key}.uuid"), SpecProblem::NotUuid(u.clone()))
                })?),
                None => None,
            };
            let id = builder.uuid_for(&ps.name, uuid.as_deref());
            if names.insert(&ps.name, id).is_some() {
                return Err(b.err(
                    format!("{key}.name"),
                    SpecProblem::DuplicateName(ps.name.clone()),
                ));
            }
            explicit.push(uuid);
        }

        let mut certificates: BTreeMap<String, Facts> = BTreeMap::new();
        for (i, (ps, uuid)) in self.payloads.iter().zip(explicit).enumerate() {
            let key = format!("payloads[{i}]");
            let (content, extra, certificate) = b.content(ps, &key, &names)?;
            if let Some(facts) = certificate {
                certificates.insert(names[ps.name.as_str()].clone(), facts);
            }
            let mut params = PayloadParams::new(ps.name.clone(), content);
            params.display_name =
                b.opt_text(&ps.display_name, &format!("{key}.PayloadDisplayName"))?;
            params.description =
                b.opt_text(&ps.description, &format!("{key}.PayloadDescription"))?;
            params.uuid = uuid;
            params.extra = extra;
            builder.add_params(params)?;
        }
        let profile = builder.build();
        let facts_of = |uuid: &str| certificates.get(uuid);
        if let Some((i, key, unfit)) = crate::lint::misfits(&profile, &facts_of).into_iter().next()
        {
            return Err(b.err(format!("payloads[{i}].keys.{key}"), unfit));
        }
        Ok(profile)
    }
}

impl Build<'_> {
    /// A payload's typed content, the keys of a type pbkit does not model, and the
    /// certificate of the identity it holds.
    fn content(
        &self,
        ps: &PayloadSpec,
        key: &str,
        names: &BTreeMap<&str, String>,
    ) -> Result<(Content, Dictionary, Option<Facts>), Error> {
        let known = Content::known_keys(&ps.payload_type);
        let modelled = !known.is_empty();
        let mut keys = Dictionary::new();
        for (k, v) in &ps.keys {
            let path = format!("{key}.keys.{k}");
            if modelled && !known.contains(&k.as_str()) {
                return Err(self.err(path, SpecProblem::UnknownKey(ps.payload_type.clone())));
            }
            let value = self
                .to_plist(v, names)
                .map_err(|p| self.err(path.clone(), p))?;
            if modelled {
                check_type(&ps.payload_type, k, &value).map_err(|p| self.err(path, p))?;
            }
            keys.insert(k.clone(), value);
        }
        let (known_keys, extra) = if modelled {
            (keys, Dictionary::new())
        } else {
            (Dictionary::new(), keys)
        };
        let mut content = Content::from_dictionary(&ps.payload_type, known_keys)
            .map_err(|detail| self.err(key, SpecProblem::Toml(detail)))?;
        let certificate = self.fill(ps, key, &mut content)?;
        Ok((content, extra, certificate))
    }

    /// Fills PayloadContent (and for PKCS#12 the Password) from `file` or from the
    /// identity the context provides.
    fn fill(
        &self,
        ps: &PayloadSpec,
        key: &str,
        content: &mut Content,
    ) -> Result<Option<Facts>, Error> {
        let file_key = format!("{key}.file");
        if let Some(given) = self.ctx.identities.get(&ps.name) {
            let Content::Pkcs12(c) = content else {
                return Err(self.err(
                    file_key,
                    SpecProblem::FileNotForType(ps.payload_type.clone()),
                ));
            };
            self.pkcs12(ps, c, given.pkcs12.clone(), &given.password, true)
                .map_err(|p| self.err(key, p))?;
            return Ok(Some(given.facts.clone()));
        }
        let Some(file) = &ps.file else {
            return Ok(None);
        };
        let file = self.text(file, &file_key)?;
        let path = self.ctx.base.join(&file);
        let limit = match content {
            Content::Pkcs12(_) => pbkit_pkcs12::FILE_LIMIT,
            _ => pbkit_pki::bundle::FILE_LIMIT,
        };
        let bytes = pbkit_infile::read(&path, limit)
            .map_err(|e| self.err(&file_key, SpecProblem::Read(e)))?;
        let name = Path::new(&file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let certificate = match content {
            Content::Pkcs12(c) => {
                let source = match (&ps.password_file, &ps.password_env) {
                    (Some(f), _) => PasswordSource::File(self.ctx.base.join(f)),
                    (None, Some(v)) => PasswordSource::Env(v.clone()),
                    (None, None) => return Err(self.err(&file_key, SpecProblem::NoPassword)),
                };
                let pw = source.read().map_err(|e| {
                    self.err(
                        &file_key,
                        SpecProblem::Pkcs12 {
                            origin: source.to_string(),
                            source: e,
                        },
                    )
                })?;
                let cert = self
                    .pkcs12(ps, c, bytes, &pw, false)
                    .map_err(|p| self.err(&file_key, p.in_file(&path)))?;
                if c.file_name.is_none() {
                    c.file_name = name;
                }
                cert.map(|c| c.facts())
                    .transpose()
                    .map_err(|e| self.err(&file_key, e))?
            }
            Content::Root(c) | Content::Pkcs1(c) | Content::Pem(c) => {
                let shown = path.display().to_string();
                let mut certs =
                    pbkit_pki::bundle::parse(&bytes, &shown).map_err(|e| self.err(&file_key, e))?;
                if certs.len() != 1 {
                    return Err(self.err(
                        &file_key,
                        SpecProblem::CertificateCount {
                            path: shown,
                            count: certs.len(),
                        },
                    ));
                }
                let cert = certs.remove(0);
                let data = if ps.payload_type == "com.apple.security.pem" {
                    cert.to_pem().map_err(|e| self.err(&file_key, e))?
                } else {
                    cert.der().to_vec()
                };
                c.data = Some(data.into());
                if c.file_name.is_none() {
                    c.file_name = name;
                }
                None
            }
            _ => {
                return Err(self.err(
                    file_key,
                    SpecProblem::FileNotForType(ps.payload_type.clone()),
                ))
            }
        };
        Ok(certificate)
    }

    /// Puts a PKCS#12 in the payload, repacked to the spec's suite when it is in
    /// another; returns the identity's certificate when the file was opened.
    /// `provided`: the caller wrote it in the right suite and vouches for it.
    fn pkcs12(
        &self,
        ps: &PayloadSpec,
        c: &mut crate::model::Pkcs12,
        der: Vec<u8>,
        pw: &Password,
        provided: bool,
    ) -> Result<Option<Certificate>, SpecProblem> {
        let (der, certificate) = if provided {
            (der, None)
        } else {
            let target: Option<Suite> = ps.suite.as_deref().map(str::parse).transpose()?;
            let pkcs12 = |e| SpecProblem::Pkcs12 {
                origin: String::new(),
                source: e,
            };
            // Opening it is also the check that it holds one identity.
            let identity = Identity::from_pkcs12(&der, pw).map_err(pkcs12)?;
            let in_suite = match target {
                None => true,
                Some(suite) => {
                    pbkit_pkcs12::inspect(&der, None).map_err(pkcs12)?.suite == Some(suite)
                }
            };
            let der = match target {
                Some(suite) if !in_suite => identity
                    .to_pkcs12(pw, &WriteOptions::new(suite))
                    .map_err(pkcs12)?,
                _ => der,
            };
            (der, Some(identity.certificate().clone()))
        };
        c.data = Some(der.into());
        if self.ctx.embed_password.unwrap_or(ps.embed_password) {
            c.password = Some(pw.as_str().to_string());
        }
        Ok(certificate)
    }

    fn to_plist(
        &self,
        v: &toml::Value,
        names: &BTreeMap<&str, String>,
    ) -> Result<Value, SpecProblem> {
        Ok(match v {
            toml::Value::String(s) => self.ctx.text(s, &self.vars)?.into(),
            toml::Value::Integer(i) => (*i).into(),
            toml::Value::Float(f) => (*f).into(),
            toml::Value::Boolean(b) => (*b).into(),
            toml::Value::Datetime(d) => {
                let text = d.to_string();
                Value::Date(
                    plist::Date::from_xml_format(&text).map_err(|_| SpecProblem::NotUtc(text))?,
                )
            }
            toml::Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|x| self.to_plist(x, names))
                    .collect::<Result<_, _>>()?,
            ),
            toml::Value::Table(t) => {
                if let (1, Some(toml::Value::String(target))) = (t.len(), t.get("payload")) {
                    return names
                        .get(target.as_str())
                        .map(|u| Value::String(u.clone()))
                        .ok_or_else(|| SpecProblem::UnknownPayload(target.clone()));
                }
                let mut d = Dictionary::new();
                for (k, x) in t {
                    d.insert(k.clone(), self.to_plist(x, names)?);
                }
                Value::Dictionary(d)
            }
        })
    }
}

impl SpecProblem {
    /// Names the file a PKCS#12 problem is about.
    fn in_file(self, path: &Path) -> SpecProblem {
        match self {
            SpecProblem::Pkcs12 { origin, source } if origin.is_empty() => SpecProblem::Pkcs12 {
                origin: path.display().to_string(),
                source,
            },
            other => other,
        }
    }
}

/// Checks one value against the type Apple's schema gives its key.
fn check_type(payload_type: &str, key: &str, v: &Value) -> Result<(), SpecProblem> {
    let Some(def) = crate::schema::schemas()
        .get(payload_type)
        .and_then(|s| s.payloadkeys.iter().find(|d| d.key == key))
    else {
        return Ok(());
    };
    if crate::lint::type_matches(&def.value_type, v) {
        Ok(())
    } else {
        Err(SpecProblem::WrongType {
            expected: def.value_type.clone(),
            found: crate::lint::type_name(v),
        })
    }
}

/// The names of the `{{name}}` placeholders in `s`, in order (an unclosed one ends the list).
pub fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

impl Spec {
    /// Checks values given for the spec's variables (`--var`): each must be one the spec
    /// uses, since a value for a variable it does not have is a typo that would otherwise
    /// leave the placeholder's default in place unnoticed.
    pub fn check_vars<'a>(
        &self,
        origin: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Error> {
        let known = self.variables();
        match names.into_iter().find(|n| !known.contains_key(*n)) {
            None => Ok(()),
            Some(name) => Err(Error::UnusedVariable {
                spec: origin.to_string(),
                name: name.to_string(),
                uses: known.into_keys().collect(),
            }),
        }
    }

    /// Every variable the spec uses in a `{{name}}` placeholder, with its `[vars]` default
    /// (`None`: it must be given). What `pbkit profile build --list-vars` prints, and what
    /// `--var` may set.
    pub fn variables(&self) -> BTreeMap<String, Option<String>> {
        let mut texts: Vec<&str> = vec![&self.profile.identifier];
        let p = &self.profile;
        texts.extend(
            [&p.display_name, &p.description, &p.organization]
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
        fn walk<'a>(v: &'a toml::Value, out: &mut Vec<&'a str>) {
            match v {
                toml::Value::String(s) => out.push(s),
                toml::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                toml::Value::Table(t) => t.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        for ps in &self.payloads {
            texts.extend(
                [&ps.display_name, &ps.description, &ps.file]
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            );
            ps.keys.values().for_each(|v| walk(v, &mut texts));
        }
        let mut out: BTreeMap<String, Option<String>> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        // A [vars] value may itself hold placeholders.
        texts.extend(self.vars.values().map(String::as_str));
        for name in texts.into_iter().flat_map(placeholders) {
            out.entry(name).or_insert(None);
        }
        out
    }

    /// Builds the spec read from `path` with `vars` set over its `[vars]`, each of which
    /// it must use ([`Spec::check_vars`]); relative files start at the spec's folder.
    pub fn build_with_vars(
        &self,
        path: &Path,
        vars: BTreeMap<String, String>,
    ) -> Result<Profile, Error> {
        let origin = path.display().to_string();
        self.check_vars(&origin, vars.keys().map(String::as_str))?;
        let ctx = BuildContext {
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            vars,
            ..BuildContext::default()
        };
        self.build(&origin, &ctx)
    }

    /// The suite the spec's identities are written in: that of the PKCS#12 payload named
    /// `signing` if it names one, else the first PKCS#12 payload's that names one; `None`
    /// when none does. One rule for a rollout's repacking and a declarative build's assets;
    /// `origin` names the spec in errors.
    pub fn suite(&self, origin: &str) -> Result<Option<Suite>, Error> {
        let named = |p: &&PayloadSpec| p.payload_type == Pkcs12::TYPE && p.suite.is_some();
        let signing = self
            .payloads
            .iter()
            .filter(named)
            .find(|p| p.name == "signing");
        let Some(p) = signing.or_else(|| self.payloads.iter().find(named)) else {
            return Ok(None);
        };
        let name = p.suite.as_deref().unwrap_or_default();
        name.parse().map(Some).map_err(|e| Error::Spec {
            file: origin.to_string(),
            key: format!("payloads.{}.suite", p.name),
            problem: Box::new(SpecProblem::Suite(e)),
        })
    }

    /// Whether the profile identifier names this variable (a rollout spec that puts
    /// `{{username}}` in it gets no automatic per-user suffix).
    pub fn identifier_uses(&self, name: &str) -> bool {
        placeholders(&self.profile.identifier).iter().any(|n| {
            n == name
                || self
                    .vars
                    .get(n)
                    .is_some_and(|v| placeholders(v).iter().any(|m| m == name))
        })
    }
}

/// Replaces `{{name}}` placeholders; anything else (Jamf's `$EMAIL`) passes through.
pub fn render(s: &str, vars: &BTreeMap<String, String>) -> Result<String, SpecProblem> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| SpecProblem::UnclosedPlaceholder(s.to_string()))?;
        let name = after[..end].trim();
        let value = vars
            .get(name)
            .ok_or_else(|| SpecProblem::UndefinedVariable(name.to_string()))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
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
            .to_string()
            .contains("undefined variable {{nope}}"));
        assert!(render("{{host", &vars)
            .unwrap_err()
            .to_string()
            .contains("unclosed"));
    }

    #[test]
    fn variables_are_the_placeholders_with_their_defaults() {
        let spec = Spec::parse(
            r#"
            [profile]
            identifier = "{{id}}"
            [vars]
            id = "mil.x.{{unit}}"
            host = "mail"
            [[payloads]]
            name = "e"
            type = "com.apple.eas.account"
            [payloads.keys]
            Host = "{{ host }}"
            EmailAddress = "{{email}}@{{domain}}"
            "#,
            "t.toml",
        )
        .unwrap();
        let vars = spec.variables();
        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
        assert_eq!(names, ["domain", "email", "host", "id", "unit"]);
        assert_eq!(vars["host"].as_deref(), Some("mail"));
        assert_eq!(vars["email"], None);
        assert!(spec.identifier_uses("unit"));
        assert!(!spec.identifier_uses("email"));
    }

    #[test]
    fn uuids_are_stable_and_uppercase() {
        use crate::builder::v5;
        assert_eq!(v5("a"), v5("a"));
        assert_ne!(v5("a"), v5("b"));
        assert_eq!(v5("a"), v5("a").to_uppercase());
    }
}
