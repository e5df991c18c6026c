//! `pbkit profile lint`: a profile against Apple's schema and against what iOS does.

use std::collections::BTreeMap;

use pbkit_pkcs12::{fitness, inspect, Identity, IosImport, Password, SmimeUse, Unfit};
use pbkit_pki::Facts;
use plist::{Dictionary, Value};
use serde::Serialize;

use crate::model::{Content, Profile};
use crate::schema::{schemas, version_lt, KeyDef};
use crate::sign::verify;

/// How bad a finding is. `lint` exits 1 on any error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Note,
    /// Probably wrong, or fails on some devices.
    Warning,
    /// Fails to install or silently misbehaves.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Where: `profile`, `payloads[2] (com.apple.eas.account)`, plus the key.
    pub location: String,
    /// A stable short name of the check.
    pub check: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl Finding {
    /// A finding at `location` (a key path, `file`, `profile`), from check `check`.
    pub fn new(
        severity: Severity,
        location: impl Into<String>,
        check: &'static str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            location: location.into(),
            check,
            message: message.into(),
        }
    }
}

/// `error: location: message [check]`, as `pbkit profile lint` prints it after the file.
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(
            f,
            "{severity}: {}: {} [{}]",
            self.location, self.message, self.check
        )
    }
}

/// What to lint against.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// The oldest iOS the profile must work on.
    pub min_ios: String,
    /// Whether identity payloads' PKCS#12 files are opened (needs their Password).
    pub check_identities: bool,
    /// When the certificates must be valid (now, by default).
    pub at: time::OffsetDateTime,
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions {
            min_ios: "12.0".into(),
            check_identities: true,
            at: time::OffsetDateTime::now_utc(),
        }
    }
}

/// A finding of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFinding {
    /// The file, as the user named it.
    pub file: String,
    /// What was found.
    #[serde(flatten)]
    pub finding: Finding,
}

/// The findings of several files, as `profile lint` and `ddm lint` report them: its
/// `Display` is one `file: finding` line each, then `N files: N errors, N warnings, N
/// notes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// How many files were linted.
    pub files: usize,
    /// Every finding, file by file.
    pub findings: Vec<FileFinding>,
}

impl Report {
    /// Adds a file's findings.
    pub fn add(&mut self, file: &str, findings: impl IntoIterator<Item = Finding>) {
        self.files += 1;
        self.findings
            .extend(findings.into_iter().map(|finding| FileFinding {
                file: file.to_string(),
                finding,
            }));
    }

    /// Lints profile files; one that cannot be read is that file's error (`read`), and
    /// the others are still linted.
    pub fn of_files(paths: &[std::path::PathBuf], opts: &LintOptions) -> Report {
        let mut report = Report::default();
        for path in paths {
            let findings = match crate::read_file(path) {
                Ok(bytes) => lint(&bytes, opts),
                Err(e) => vec![Finding {
                    severity: Severity::Error,
                    location: "file".into(),
                    check: "read",
                    message: match &e {
                        crate::Error::Read(read) => read.problem.to_string(),
                        other => other.to_string(),
                    },
                }],
            };
            report.add(&path.display().to_string(), findings);
        }
        report
    }

    /// Findings of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.finding.severity == severity)
            .count()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for x in &self.findings {
            writeln!(f, "{}: {}", x.file, x.finding)?;
        }
        let n = pbkit_words::plural;
        writeln!(
            f,
            "{}: {}, {}, {}",
            n(self.files, "file"),
            n(self.count(Severity::Error), "error"),
            n(self.count(Severity::Warning), "warning"),
            n(self.count(Severity::Note), "note")
        )
    }
}

/// Profiles over this size are rejected by Intune and Fleet.
pub const MAX_SIZE: usize = 1_000_000;

/// Lints a profile as delivered, signed or not: a signed one must verify (its chain need
/// not be trusted here) and its content is linted.
pub fn lint(bytes: &[u8], opts: &LintOptions) -> Vec<Finding> {
    if !crate::sign::is_signed(bytes) {
        return lint_plist(bytes, bytes.len(), opts);
    }
    match verify(bytes, &[]).into_content() {
        Ok(plist) => lint_plist(&plist, bytes.len(), opts),
        Err(why) => vec![Finding {
            severity: Severity::Error,
            location: "signature".into(),
            check: "signature",
            message: format!("the signed file does not verify: {why}"),
        }],
    }
}

/// Checks a dictionary against key definitions of one of Apple's schemas: required keys,
/// unknown keys, types, allowed values, ranges, iOS versions and deprecations, as `lint`
/// does for profiles. `location` prefixes every finding's location.
pub fn check_keys(
    d: &Dictionary,
    defs: &[&KeyDef],
    location: &str,
    opts: &LintOptions,
) -> Vec<Finding> {
    let mut l = Linter {
        out: Vec::new(),
        opts,
    };
    l.key_list(d, defs, location, false);
    l.out
}

/// A finding when something `introduced` in that iOS version (or `n/a`) is used below
/// `opts.min_ios`, as `lint` reports it for payload types and keys.
pub fn check_version(
    location: &str,
    what: &str,
    introduced: Option<&str>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let mut l = Linter {
        out: Vec::new(),
        opts,
    };
    l.version(location, what, introduced);
    l.out
}

/// The identity references of `profile` whose identity does not fit its S/MIME use
/// (the one rule of [`pbkit_pkcs12::fitness`]), as (payload index, key, problem).
/// `facts_of` gives the certificate facts of an identity payload by PayloadUUID, when known.
pub(crate) fn misfits<'a>(
    profile: &Profile,
    facts_of: &dyn Fn(&str) -> Option<&'a Facts>,
) -> Vec<(usize, &'static str, Unfit)> {
    let mut out = Vec::new();
    for (i, pl) in profile.payloads.iter().enumerate() {
        let account = match &pl.content {
            Content::Exchange(e) => e.email_address.as_deref(),
            Content::Mail(m) => m.email_address.as_deref(),
            _ => None,
        };
        for (key, target) in pl.references() {
            let (Some(used_for), Some(facts)) = (SmimeUse::of_reference_key(key), facts_of(target))
            else {
                continue;
            };
            out.extend(
                fitness(facts, used_for, account)
                    .into_iter()
                    .map(|u| (i, key, u)),
            );
        }
    }
    out
}

/// Lints plist bytes (already unsigned); `size` is the size of the file as delivered.
fn lint_plist(plist: &[u8], size: usize, opts: &LintOptions) -> Vec<Finding> {
    let mut l = Linter {
        out: Vec::new(),
        opts,
    };
    if let Some(oversize) = crate::seal::Oversize::of(size) {
        l.add(Severity::Warning, "profile", "size", oversize.to_string());
    }
    let value = match crate::model::read_plist(plist) {
        Ok(Value::Dictionary(d)) => d,
        Ok(_) => {
            l.add(
                Severity::Error,
                "profile",
                "plist",
                "the top level is not a dictionary".into(),
            );
            return l.out;
        }
        Err(e) => {
            l.add(
                Severity::Error,
                "profile",
                "plist",
                match e {
                    crate::Error::Plist(reason) => format!("not a plist: {reason}"),
                    e => e.to_string(),
                },
            );
            return l.out;
        }
    };
    l.top_level(&value);
    match Profile::from_dictionary(value) {
        Ok(profile) => l.semantics(&profile),
        Err(e) => l.add(Severity::Error, "profile", "model", e.to_string()),
    }
    l.out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    l.out
}

struct Linter<'a> {
    out: Vec<Finding>,
    opts: &'a LintOptions,
}

fn is_variable(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.starts_with('$'))
}

impl Linter<'_> {
    fn add(&mut self, severity: Severity, location: &str, check: &'static str, message: String) {
        self.out.push(Finding {
            severity,
            location: location.to_string(),
            check,
            message,
        });
    }

    fn top_level(&mut self, d: &Dictionary) {
        let top = &schemas()["TopLevel"];
        if crate::encrypt::is_encrypted(d) {
            // The payloads are in the envelope: PayloadContent is not required.
            let defs: Vec<&KeyDef> = top
                .payloadkeys
                .iter()
                .filter(|k| k.key != "PayloadContent" || d.contains_key("PayloadContent"))
                .collect();
            self.key_list(d, &defs, "profile", false);
            self.encrypted(d);
            return;
        }
        self.keys(d, &top.payloadkeys, "profile", false);
        if d.get("PayloadRemovalDisallowed")
            .and_then(Value::as_boolean)
            == Some(true)
        {
            self.add(Severity::Note, "profile.PayloadRemovalDisallowed", "supervision", "honoured only on supervised devices; elsewhere the user can still remove the profile".into());
        }
        let Some(Value::Array(payloads)) = d.get("PayloadContent") else {
            return;
        };
        let common = &schemas()["CommonPayloadKeys"].payloadkeys;
        for (i, p) in payloads.iter().enumerate() {
            let Value::Dictionary(p) = p else {
                self.add(
                    Severity::Error,
                    &format!("payloads[{i}]"),
                    "type",
                    "a payload is not a dictionary".into(),
                );
                continue;
            };
            let ty = p
                .get("PayloadType")
                .and_then(Value::as_string)
                .unwrap_or("?");
            let loc = format!("payloads[{i}] ({ty})");
            match schemas().get(ty) {
                Some(schema) => {
                    if let Some(ios) = schema.payload.supported_os.get("iOS") {
                        self.version(&loc, "payload type", ios.introduced.as_deref());
                    }
                    let all: Vec<&KeyDef> = common.iter().chain(&schema.payloadkeys).collect();
                    self.key_list(p, &all, &loc, false);
                }
                None => {
                    self.add(
                        Severity::Note,
                        &loc,
                        "unknown-type",
                        format!("pbkit has no schema for {ty}; only common keys checked"),
                    );
                    let all: Vec<&KeyDef> = common.iter().collect();
                    self.key_list(p, &all, &loc, true);
                }
            }
        }
    }

    /// An encrypted profile: its envelope, readable without the key, and its shape.
    fn encrypted(&mut self, d: &Dictionary) {
        let loc = "profile.EncryptedPayloadContent";
        if d.contains_key("PayloadContent") {
            self.add(
                Severity::Error,
                "profile.PayloadContent",
                "encryption",
                "an encrypted profile carries its payloads in EncryptedPayloadContent only: \
                 this PayloadContent is readable by anyone"
                    .into(),
            );
        }
        if d.get("IsEncrypted").and_then(Value::as_boolean) != Some(true) {
            self.add(
                Severity::Error,
                "profile.IsEncrypted",
                "encryption",
                "EncryptedPayloadContent without IsEncrypted = true".into(),
            );
        }
        let Some(Value::Data(der)) = d.get(crate::encrypt::ENCRYPTED_CONTENT) else {
            self.add(
                Severity::Error,
                loc,
                "encryption",
                "IsEncrypted = true without EncryptedPayloadContent data".into(),
            );
            return;
        };
        match crate::encrypt::Envelope::read(der) {
            Ok(e) if !e.cipher.starts_with("AES-") => self.add(
                Severity::Warning,
                loc,
                "encryption",
                format!("encrypted with {}: use AES-256-CBC", e.cipher),
            ),
            Ok(e) => self.add(
                Severity::Note,
                loc,
                "encryption",
                format!(
                    "payloads encrypted ({}) to {}: only their key reads them, so they are not \
                     linted",
                    e.cipher,
                    e.recipient_list()
                ),
            ),
            Err(e) => self.add(Severity::Error, loc, "encryption", e.to_string()),
        }
    }

    fn keys(&mut self, d: &Dictionary, defs: &[KeyDef], loc: &str, open: bool) {
        let all: Vec<&KeyDef> = defs.iter().collect();
        self.key_list(d, &all, loc, open);
    }

    /// Checks a dictionary against key definitions. `open`: unknown keys are expected.
    ///
    /// Apple's schema says "any key" in two ways: a subkey named `ANY`, and (for
    /// `ConsentText` and its kind) a single placeholder dictionary (`ConsentTextItem`)
    /// whose only subkey is `ANY`. Either way the dictionary's own keys are free, and each
    /// value is checked against `ANY`'s definition.
    fn key_list(&mut self, d: &Dictionary, defs: &[&KeyDef], loc: &str, open: bool) {
        if let Some(any) = any_key(defs) {
            for (k, v) in d {
                self.value(v, any, &format!("{loc}.{k}"));
            }
            return;
        }
        let by_name: BTreeMap<&str, &KeyDef> = defs.iter().map(|k| (k.key.as_str(), *k)).collect();
        for def in defs {
            if def.presence.as_deref() == Some("required") && !d.contains_key(&def.key) {
                self.add(
                    Severity::Error,
                    &format!("{loc}.{}", def.key),
                    "required",
                    format!("required key {} is missing", def.key),
                );
            }
        }
        for (k, v) in d {
            let kl = format!("{loc}.{k}");
            let Some(def) = by_name.get(k.as_str()) else {
                if let Some(why) = known_outside_schema(k) {
                    self.add(Severity::Note, &kl, "outside-schema", why.into());
                } else if !open {
                    self.add(
                        Severity::Warning,
                        &kl,
                        "unknown-key",
                        format!("{k} is not a key of this payload in Apple's schema"),
                    );
                }
                continue;
            };
            self.value(v, def, &kl);
        }
    }

    fn version(&mut self, loc: &str, what: &str, introduced: Option<&str>) {
        match introduced {
            Some("n/a") => self.add(
                Severity::Warning,
                loc,
                "not-on-ios",
                format!("this {what} is not supported on iOS"),
            ),
            Some(v) if version_lt(&self.opts.min_ios, v) => {
                let min = self.opts.min_ios.clone();
                self.add(
                    Severity::Warning,
                    loc,
                    "min-ios",
                    format!("this {what} needs iOS {v}; --min-ios is {min}"),
                )
            }
            _ => {}
        }
    }

    fn value(&mut self, v: &Value, def: &KeyDef, loc: &str) {
        if let Some(ios) = def.ios() {
            self.version(loc, "key", ios.introduced.as_deref());
            if let Some(dep) = &ios.deprecated {
                let instead = def
                    .replacement()
                    .map(|r| format!("; use {r}"))
                    .unwrap_or_default();
                self.add(
                    Severity::Warning,
                    loc,
                    "deprecated",
                    format!("{} is deprecated since iOS {dep}{instead}", def.key),
                );
            }
        }
        if !type_matches(&def.value_type, v) {
            self.add(
                Severity::Error,
                loc,
                "type",
                format!(
                    "{} must be {}, not {}",
                    def.key,
                    def.value_type,
                    type_name(v)
                ),
            );
            return;
        }
        if let Some(list) = &def.rangelist {
            if !is_variable(v) && !list.iter().any(|allowed| same(allowed, v)) {
                let allowed: Vec<String> = list.iter().map(yaml_text).collect();
                self.add(
                    Severity::Error,
                    loc,
                    "allowed-values",
                    format!("{} must be one of {}", def.key, allowed.join(", ")),
                );
            }
        }
        if let (Some(r), Some(n)) = (&def.range, v.as_signed_integer()) {
            let n = n as f64;
            if r.min.is_some_and(|m| n < m) || r.max.is_some_and(|m| n > m) {
                self.add(
                    Severity::Error,
                    loc,
                    "range",
                    format!("{} is out of range {:?}..{:?}", def.key, r.min, r.max),
                );
            }
        }
        match (&def.subkeys, v) {
            (Some(sub), Value::Dictionary(d)) => {
                let defs: Vec<&KeyDef> = sub.iter().collect();
                self.key_list(d, &defs, loc, false);
            }
            // An array's one subkey describes each of its items.
            (Some(sub), Value::Array(items)) if sub.len() == 1 => {
                for (i, item) in items.iter().enumerate() {
                    self.value(item, &sub[0], &format!("{loc}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// Checks of meaning: uniqueness, references, identities, email, suites.
    fn semantics(&mut self, p: &Profile) {
        for (i, pl) in p.payloads.iter().enumerate() {
            let hosts: Vec<(&str, &Option<String>)> = match &pl.content {
                Content::Exchange(e) => vec![("Host", &e.host)],
                Content::Mail(m) => vec![
                    (
                        "IncomingMailServerHostName",
                        &m.incoming_mail_server_host_name,
                    ),
                    (
                        "OutgoingMailServerHostName",
                        &m.outgoing_mail_server_host_name,
                    ),
                ],
                _ => continue,
            };
            for (key, host) in hosts {
                if let Some(host) = host.as_deref().filter(|h| is_placeholder_host(h)) {
                    let loc = format!("payloads[{i}] ({}).{key}", pl.payload_type());
                    self.add(Severity::Warning, &loc, "placeholder", format!("{key} {host} is an example domain, not a server: build with --var (pbkit profile build --list-vars shows the variables)"));
                }
            }
        }
        let mut uuids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        *uuids.entry(&p.uuid).or_default() += 1;
        for pl in &p.payloads {
            *uuids.entry(&pl.uuid).or_default() += 1;
            *ids.entry(&pl.identifier).or_default() += 1;
        }
        for (u, n) in uuids.iter().filter(|(_, n)| **n > 1) {
            self.add(Severity::Error, "profile", "duplicate-uuid", format!("PayloadUUID {u} is used {n} times (\"the PayloadUUID ... is used more than once\" on install)"));
        }
        // Two payloads with one identifier: the device keeps one of them.
        for (i, n) in ids.iter().filter(|(_, n)| **n > 1) {
            self.add(
                Severity::Error,
                "profile",
                "duplicate-identifier",
                format!("PayloadIdentifier {i} is used by {n} payloads; a device keeps one"),
            );
        }
        // The profile's identifier on one of its payloads: many distributed profiles do
        // this and it installs; Apple only says payload identifiers are usually derived
        // from the profile's.
        if ids.contains_key(p.identifier.as_str()) {
            self.add(
                Severity::Note,
                "profile",
                "shared-identifier",
                format!(
                    "the profile and a payload share PayloadIdentifier {}: it installs, but \
                     Apple derives payload identifiers from the profile's (e.g. {}.payload), \
                     which keeps them apart in MDM logs",
                    p.identifier, p.identifier
                ),
            );
        }

        // Identities, opened once each.
        let mut identities: BTreeMap<&str, Option<pbkit_pki::Facts>> = BTreeMap::new();
        for (i, pl) in p.payloads.iter().enumerate() {
            let loc = format!("payloads[{i}] ({})", pl.payload_type());
            match &pl.content {
                Content::Pkcs12(c) => {
                    let facts = self.pkcs12(&loc, c);
                    if let Some(f) = &facts {
                        self.validity(&loc, "identity", &f.clone().into());
                    }
                    identities.insert(&pl.uuid, facts);
                }
                Content::Root(_) | Content::Pkcs1(_) | Content::Pem(_) => {
                    if let (Some(c), _) = crate::inspect::payload_certificate(&pl.content) {
                        self.validity(&loc, "certificate", &c);
                    }
                }
                Content::Other(t)
                    if t == "com.apple.security.scep" || t == "com.apple.security.acme" =>
                {
                    identities.insert(&pl.uuid, None);
                }
                _ => {}
            }
        }

        for (i, pl) in p.payloads.iter().enumerate() {
            let loc = format!("payloads[{i}] ({})", pl.payload_type());
            for (key, target) in pl.references() {
                let kl = format!("{loc}.{key}");
                if target.starts_with('$') {
                    self.add(
                        Severity::Note,
                        &kl,
                        "reference",
                        format!("{key} is a variable ({target}); not checked"),
                    );
                    continue;
                }
                match (identities.contains_key(target), p.payload_by_uuid(target)) {
                    (true, _) => {}
                    (false, Some(other)) => self.add(Severity::Error, &kl, "reference", format!("{key} points at {} ({}), which is not an identity payload", other.identifier, other.payload_type())),
                    (false, None) => self.add(Severity::Error, &kl, "reference", format!("{key} points at {target}, which is not in this profile (a silent failure on device)")),
                }
            }
        }
        let facts_of = |uuid: &str| identities.get(uuid).and_then(Option::as_ref);
        for (i, key, unfit) in misfits(p, &facts_of) {
            let pl = &p.payloads[i];
            let (location, check) = match unfit {
                Unfit::Email { .. } => (
                    format!("payloads[{i}] ({}).EmailAddress", pl.payload_type()),
                    "email",
                ),
                Unfit::NoEmail { .. } => (
                    format!("payloads[{i}] ({}).{key}", pl.payload_type()),
                    "email",
                ),
                _ => (
                    format!("payloads[{i}] ({}).{key}", pl.payload_type()),
                    "key-usage",
                ),
            };
            self.add(Severity::Error, &location, check, unfit.to_string());
        }
    }

    /// A certificate expired or not yet valid at `--at`: the profile installs, but Mail
    /// will not use such an identity, nor devices such a CA.
    fn validity(&mut self, loc: &str, what: &str, c: &pbkit_pki::Summary) {
        if let Some(problem) = c.validity_problem(self.opts.at) {
            self.add(
                Severity::Warning,
                loc,
                "validity",
                format!("the {what}'s certificate (serial {}) {problem}", c.serial),
            );
        }
    }

    /// A PKCS#12 payload: one identity, opens with its Password, a suite iOS takes.
    fn pkcs12(&mut self, loc: &str, c: &crate::model::Pkcs12) -> Option<pbkit_pki::Facts> {
        let data = c.data.as_ref()?;
        match inspect(data.as_ref(), None) {
            Ok(r) => match r.ios.import {
                IosImport::Fails => self.add(
                    Severity::Error,
                    loc,
                    "suite",
                    format!("iOS will not import this PKCS#12: {}", r.ios.reason),
                ),
                IosImport::Risky => self.add(
                    Severity::Warning,
                    loc,
                    "suite",
                    format!(
                        "{} (repack with pbkit p12 repack --suite ios-legacy)",
                        r.ios.reason
                    ),
                ),
                IosImport::Unknown => self.add(Severity::Note, loc, "suite", r.ios.reason.clone()),
                IosImport::Works => {}
            },
            Err(e) => {
                self.add(
                    Severity::Error,
                    loc,
                    "pkcs12",
                    format!("PayloadContent is not a readable PKCS#12: {e}"),
                );
                return None;
            }
        }
        let Some(pw) = &c.password else {
            self.add(
                Severity::Note,
                loc,
                "password",
                "no Password: the device asks for it at install".into(),
            );
            return None;
        };
        if !self.opts.check_identities {
            return None;
        }
        match Identity::from_pkcs12(data.as_ref(), &Password::new(pw.as_str())) {
            Ok(id) => {
                if !id.chain().is_empty() {
                    self.add(
                        Severity::Note,
                        loc,
                        "pkcs12",
                        format!(
                            "holds {} CA certificates besides the identity",
                            id.chain().len()
                        ),
                    );
                }
                id.certificate().facts().ok()
            }
            Err(e) => {
                self.add(
                    Severity::Error,
                    loc,
                    "pkcs12",
                    format!("does not open as one identity with its Password: {e}"),
                );
                None
            }
        }
    }
}

/// A host name with an `example` label (`mail.example.mil`, `example.com`): a spec's
/// default left in place, which no device can reach.
fn is_placeholder_host(host: &str) -> bool {
    host.split('.')
        .any(|label| label.eq_ignore_ascii_case("example"))
}

/// The definition every key of a free-keyed dictionary is checked against, if `defs`
/// describe one: `[ANY]`, or `[SomethingItem]` whose only subkey is `ANY`.
fn any_key<'a>(defs: &[&'a KeyDef]) -> Option<&'a KeyDef> {
    match defs {
        [any] if any.key == "ANY" => Some(any),
        [item] if item.value_type == "<dictionary>" => match item.subkeys.as_deref() {
            Some([any]) if any.key == "ANY" => Some(any),
            _ => None,
        },
        _ => None,
    }
}

/// Keys Apple's own tools write outside the schema, and what becomes of them.
fn known_outside_schema(key: &str) -> Option<&'static str> {
    match key {
        "PayloadEnabled" => Some(
            "PayloadEnabled is written by macOS management tools (Profile Manager, Apple \
             Configurator) outside Apple's schema; iOS ignores it",
        ),
        _ => None,
    }
}

/// Whether `v` has the type Apple's schema writes as `value_type` (`<string>`, …).
pub(crate) fn type_matches(value_type: &str, v: &Value) -> bool {
    matches!(
        (value_type, v),
        ("<string>", Value::String(_))
            | ("<boolean>", Value::Boolean(_))
            | ("<integer>", Value::Integer(_))
            | ("<real>", Value::Real(_) | Value::Integer(_))
            | ("<date>", Value::Date(_))
            | ("<data>", Value::Data(_))
            | ("<array>", Value::Array(_))
            | ("<dictionary>", Value::Dictionary(_))
            | ("<any>", _)
    )
}

/// Apple's name of `v`'s type.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "<string>",
        Value::Boolean(_) => "<boolean>",
        Value::Integer(_) => "<integer>",
        Value::Real(_) => "<real>",
        Value::Date(_) => "<date>",
        Value::Data(_) => "<data>",
        Value::Array(_) => "<array>",
        Value::Dictionary(_) => "<dictionary>",
        _ => "another type",
    }
}

fn same(allowed: &serde_yaml_ng::Value, v: &Value) -> bool {
    match (allowed, v) {
        (serde_yaml_ng::Value::String(a), Value::String(b)) => a == b,
        (serde_yaml_ng::Value::Number(a), Value::Integer(b)) => a.as_i64() == b.as_signed(),
        (serde_yaml_ng::Value::Number(a), Value::Real(b)) => a.as_f64() == Some(*b),
        (serde_yaml_ng::Value::Bool(a), Value::Boolean(b)) => a == b,
        _ => false,
    }
}

fn yaml_text(v: &serde_yaml_ng::Value) -> String {
    match v {
        serde_yaml_ng::Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_lints_every_file_and_counts_an_unreadable_one_as_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.mobileconfig");
        let mut b = crate::Profile::builder("mil.test.lint");
        b.add(
            "exchange",
            crate::Exchange::new("a@test.mil", "mail.test.mil"),
        )
        .unwrap();
        std::fs::write(&good, b.build().to_bounded_xml().unwrap()).unwrap();
        let missing = dir.path().join("missing.mobileconfig");
        let report = Report::of_files(&[missing.clone(), good], &LintOptions::default());
        assert_eq!(report.files, 2);
        let read: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.finding.check == "read")
            .collect();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].file, missing.display().to_string());
        assert_eq!(read[0].finding.severity, Severity::Error);
        let last = report.to_string().lines().last().unwrap().to_string();
        let n = |s, word| pbkit_words::plural(report.count(s), word);
        let expected = format!(
            "2 files: {}, {}, {}",
            n(Severity::Error, "error"),
            n(Severity::Warning, "warning"),
            n(Severity::Note, "note")
        );
        assert_eq!(last, expected);
        assert!(report.count(Severity::Error) >= 1);
    }
}
