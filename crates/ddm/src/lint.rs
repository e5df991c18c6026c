//! `pbkit ddm lint`: declarations and their asset data checked against Apple's declarative
//! schema (vendored in `schema/`, MIT) with the machinery of `pbkit profile lint` (types,
//! required keys, allowed values, iOS versions), and against what a device does: every
//! asset reference resolves to an asset of an allowed type, DataURL is https, Size and
//! Hash-SHA-256 match the data, an identity opens with its Password as one identity fit
//! for its S/MIME use, and every configuration is activated.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use pbkit_pkcs12::{fitness, Identity, Password, SmimeUse};
use pbkit_profile::lint::{check_keys, check_version, Finding, LintOptions, Severity};
use pbkit_profile::schema::{KeyDef, OsSupport};
use plist::Value as Plist;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One schema file of Apple's declarative schema.
#[derive(Debug, Deserialize)]
struct DeclSchema {
    payload: DeclInfo,
    payloadkeys: Vec<KeyDef>,
}

#[derive(Debug, Deserialize)]
struct DeclInfo {
    declarationtype: Option<String>,
    credentialtype: Option<String>,
    #[serde(rename = "supportedOS", default)]
    supported_os: BTreeMap<String, OsSupport>,
}

const FILES: [&str; 13] = [
    include_str!("../schema/account.exchange.yaml"),
    include_str!("../schema/account.mail.yaml"),
    include_str!("../schema/activations__simple.yaml"),
    include_str!("../schema/assets__credential.acme.yaml"),
    include_str!("../schema/assets__credential.certificate.yaml"),
    include_str!("../schema/assets__credential.identity.yaml"),
    include_str!("../schema/assets__credential.scep.yaml"),
    include_str!("../schema/assets__credential.userpassword.yaml"),
    include_str!("../schema/assets__credentials__identity.yaml"),
    include_str!("../schema/assets__credentials__usernameandpassword.yaml"),
    include_str!("../schema/assets__useridentity.yaml"),
    include_str!("../schema/configurations__security.certificate.yaml"),
    include_str!("../schema/configurations__security.identity.yaml"),
];

/// The declarative schema by declaration or credential type.
fn schemas() -> &'static BTreeMap<String, DeclSchema> {
    static SCHEMAS: OnceLock<BTreeMap<String, DeclSchema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|text| serde_yaml_ng::from_str::<DeclSchema>(text).ok())
            .filter_map(|s| {
                let kind = s
                    .payload
                    .declarationtype
                    .clone()
                    .or_else(|| s.payload.credentialtype.clone())?;
                Some((kind, s))
            })
            .collect()
    })
}

/// The findings of one declaration file.
#[derive(Debug, Clone)]
pub struct Linted {
    /// The file.
    pub file: PathBuf,
    /// What is wrong or worth knowing.
    pub findings: Vec<Finding>,
}

struct Decl {
    file: PathBuf,
    kind: String,
    identifier: String,
    payload: serde_json::Map<String, Value>,
}

/// The declaration files of `paths`: a folder's `declarations/*.json` (or its `*.json`),
/// a file itself.
pub fn files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let dir = if p.join("declarations").is_dir() {
                p.join("declarations")
            } else {
                p.clone()
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Lints declaration files together: references are resolved among them.
pub fn lint(files: &[PathBuf], opts: &LintOptions) -> Vec<Linted> {
    let mut results: Vec<Linted> = files
        .iter()
        .map(|f| Linted {
            file: f.clone(),
            findings: Vec::new(),
        })
        .collect();
    let mut decls: Vec<(usize, Decl)> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        match read(file) {
            Ok(d) => decls.push((i, d)),
            Err(f) => results[i].findings.push(f),
        }
    }
    let by_id: HashMap<&str, &Decl> = decls
        .iter()
        .map(|(_, d)| (d.identifier.as_str(), d))
        .collect();
    // What uses each identity, and the address of the account that uses it.
    let mut uses: HashMap<String, Vec<(SmimeUse, Option<String>)>> = HashMap::new();
    let mut activated: Vec<String> = Vec::new();
    for (_, d) in &decls {
        let email = d
            .payload
            .get("UserIdentityAssetReference")
            .and_then(Value::as_str)
            .and_then(|r| by_id.get(r))
            .and_then(|u| u.payload.get("EmailAddress"))
            .and_then(Value::as_str)
            .map(str::to_string);
        for (part, used_for) in [
            ("Signing", SmimeUse::Signing),
            ("Encryption", SmimeUse::Encryption),
        ] {
            if let Some(target) = d
                .payload
                .get("SMIME")
                .and_then(|s| s.get(part))
                .and_then(|s| s.get("IdentityAssetReference"))
                .and_then(Value::as_str)
            {
                uses.entry(target.to_string())
                    .or_default()
                    .push((used_for, email.clone()));
            }
        }
        if d.kind.starts_with("com.apple.activation.") {
            if let Some(list) = d
                .payload
                .get("StandardConfigurations")
                .and_then(Value::as_array)
            {
                activated.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
    }
    for (i, d) in &decls {
        let out = &mut results[*i].findings;
        let Some(schema) = schemas().get(&d.kind) else {
            out.push(Finding::new(
                Severity::Error,
                "Type",
                "type",
                format!(
                    "{}: Apple's declarative schema (as pbkit has it) has no such type",
                    d.kind
                ),
            ));
            continue;
        };
        if let Some(ios) = schema.payload.supported_os.get("iOS") {
            out.extend(check_version(
                "Type",
                "declaration type",
                ios.introduced.as_deref(),
                opts,
            ));
        }
        let defs: Vec<&KeyDef> = schema.payloadkeys.iter().collect();
        let (payload, mut problems) = to_plist_dict(&d.payload, &defs, "Payload");
        out.append(&mut problems);
        out.extend(check_keys(&payload, &defs, "Payload", opts));
        for (loc, target, allowed) in references(&d.payload, &defs, "Payload") {
            match by_id.get(target.as_str()) {
                None => out.push(Finding::new(
                    Severity::Error,
                    &loc,
                    "reference",
                    format!("{target} is no declaration linted with this one"),
                )),
                Some(t) if !allowed.contains(&t.kind) => out.push(Finding::new(
                    Severity::Error,
                    &loc,
                    "reference",
                    format!(
                        "{target} is a {}, not one of {}",
                        t.kind,
                        allowed.join(", ")
                    ),
                )),
                Some(_) => {}
            }
        }
        if d.kind.starts_with("com.apple.configuration.") && !activated.contains(&d.identifier) {
            out.push(Finding::new(
                Severity::Warning,
                "Identifier",
                "activation",
                format!("no activation installs {}", d.identifier),
            ));
        }
        if d.kind.starts_with("com.apple.activation.") {
            for target in d
                .payload
                .get("StandardConfigurations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !by_id.contains_key(target) {
                    out.push(Finding::new(
                        Severity::Error,
                        "Payload.StandardConfigurations",
                        "reference",
                        format!("{target} is no declaration linted with this one"),
                    ));
                }
            }
        }
        if let Some(reference) = d.payload.get("Reference").and_then(Value::as_object) {
            let mut found = asset_data(d, reference, uses.get(&d.identifier), opts);
            out.append(&mut found);
        }
    }
    results
}

fn read(file: &Path) -> Result<Decl, Finding> {
    let bytes = pbkit_infile::read(file, crate::DECLARATION_LIMIT)
        .map_err(|e| Finding::new(Severity::Error, "file", "read", e.problem.to_string()))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Finding::new(Severity::Error, "file", "json", format!("not JSON: {e}")))?;
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    let missing = |k: &str| {
        Finding::new(
            Severity::Error,
            k,
            "required",
            format!("required key {k} is missing or not a string"),
        )
    };
    let kind = text("Type").ok_or_else(|| missing("Type"))?;
    let identifier = text("Identifier").ok_or_else(|| missing("Identifier"))?;
    text("ServerToken").ok_or_else(|| missing("ServerToken"))?;
    let payload = value
        .get("Payload")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| {
            Finding::new(
                Severity::Error,
                "Payload",
                "required",
                "required dictionary Payload is missing",
            )
        })?;
    Ok(Decl {
        file: file.to_path_buf(),
        kind,
        identifier,
        payload,
    })
}

/// A JSON object as a plist dictionary for the schema checks: `<data>` keys hold base64
/// text in JSON, decoded here; a JSON null has no plist form and is reported.
fn to_plist_dict(
    m: &serde_json::Map<String, Value>,
    defs: &[&KeyDef],
    loc: &str,
) -> (plist::Dictionary, Vec<Finding>) {
    let mut d = plist::Dictionary::new();
    let mut problems = Vec::new();
    for (k, v) in m {
        let def = defs.iter().find(|def| def.key == *k).copied();
        let here = format!("{loc}.{k}");
        if let Some(p) = to_plist(v, def, &here, &mut problems) {
            d.insert(k.clone(), p);
        }
    }
    (d, problems)
}

fn to_plist(
    v: &Value,
    def: Option<&KeyDef>,
    loc: &str,
    problems: &mut Vec<Finding>,
) -> Option<Plist> {
    Some(match v {
        Value::Null => {
            problems.push(Finding::new(
                Severity::Error,
                loc,
                "type",
                "null is no value in Apple's schema: leave the key out",
            ));
            return None;
        }
        Value::Bool(b) => Plist::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Plist::Integer(i.into()),
            None => Plist::Real(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) if def.is_some_and(|d| d.value_type == "<data>") => {
            match base64::engine::general_purpose::STANDARD.decode(s) {
                Ok(bytes) => Plist::Data(bytes),
                Err(e) => {
                    problems.push(Finding::new(
                        Severity::Error,
                        loc,
                        "type",
                        format!("<data> must be base64 in JSON: {e}"),
                    ));
                    return None;
                }
            }
        }
        Value::String(s) => Plist::String(s.clone()),
        Value::Array(items) => {
            let item_def = def.and_then(|d| d.subkeys.as_ref()).and_then(|s| s.first());
            Plist::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| to_plist(x, item_def, &format!("{loc}[{i}]"), problems))
                    .collect(),
            )
        }
        Value::Object(o) => {
            let subs: Vec<&KeyDef> = def
                .and_then(|d| d.subkeys.as_ref())
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            let (d, mut p) = to_plist_dict(o, &subs, loc);
            problems.append(&mut p);
            Plist::Dictionary(d)
        }
    })
}

/// Every asset reference in a payload: (location, target, allowed types).
fn references(
    m: &serde_json::Map<String, Value>,
    defs: &[&KeyDef],
    loc: &str,
) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (k, v) in m {
        let Some(def) = defs.iter().find(|d| d.key == *k) else {
            continue;
        };
        let here = format!("{loc}.{k}");
        match (v, &def.assettypes, &def.subkeys) {
            (Value::String(target), Some(allowed), _) => {
                out.push((here, target.clone(), allowed.clone()))
            }
            (Value::Object(o), _, Some(subs)) => {
                let subs: Vec<&KeyDef> = subs.iter().collect();
                out.extend(references(o, &subs, &here));
            }
            _ => {}
        }
    }
    out
}

/// The data an asset's Reference points to, found beside the declarations: checked
/// against Size, Hash-SHA-256 and its content type.
fn asset_data(
    d: &Decl,
    reference: &serde_json::Map<String, Value>,
    uses: Option<&Vec<(SmimeUse, Option<String>)>>,
    opts: &LintOptions,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let url = reference
        .get("DataURL")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(problem) = crate::convert::url_problem(url, true) {
        out.push(Finding::new(
            Severity::Error,
            "Payload.Reference.DataURL",
            "data-url",
            format!("{url:?} {problem}"),
        ));
    }
    let name = url.rsplit('/').next().unwrap_or_default();
    let dir = d.file.parent().unwrap_or(Path::new("."));
    let candidates = [
        dir.join("../assets").join(name),
        dir.join("assets").join(name),
        dir.join(name),
    ];
    let Some(path) = candidates.iter().find(|p| p.symlink_metadata().is_ok()) else {
        out.push(Finding::new(Severity::Note, "Payload.Reference", "data", format!("{name} is not beside the declarations (assets/{name}): its size, hash and content are not checked")));
        return out;
    };
    let bytes = match pbkit_infile::read(path, crate::ASSET_LIMIT) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.push(Finding::new(
                Severity::Error,
                "Payload.Reference",
                "data",
                format!("assets/{name}: {}", e.problem),
            ));
            return out;
        }
    };
    if let Some(size) = reference.get("Size").and_then(Value::as_u64) {
        if size != bytes.len() as u64 {
            out.push(Finding::new(
                Severity::Error,
                "Payload.Reference.Size",
                "data",
                format!(
                    "Size is {size}, the data has {} bytes: devices refuse it",
                    bytes.len()
                ),
            ));
        }
    }
    if let Some(hash) = reference.get("Hash-SHA-256").and_then(Value::as_str) {
        let actual = pbkit_pki::hex::upper(&Sha256::digest(&bytes));
        if !hash.eq_ignore_ascii_case(&actual) {
            out.push(Finding::new(
                Severity::Error,
                "Payload.Reference.Hash-SHA-256",
                "data",
                "the hash is not the data's: devices refuse it",
            ));
        }
    }
    let loc = format!("data {name}");
    match d.kind.as_str() {
        "com.apple.asset.credential.identity" | "com.apple.asset.credential.userpassword" => {
            let doc: serde_json::Map<String, Value> = match serde_json::from_slice(&bytes) {
                Ok(Value::Object(o)) => o,
                _ => {
                    out.push(Finding::new(
                        Severity::Error,
                        &loc,
                        "data",
                        "not a JSON object",
                    ));
                    return out;
                }
            };
            let kind = doc.get("Type").and_then(Value::as_str).unwrap_or_default();
            let expected = if d.kind.ends_with(".identity") {
                "com.apple.credential.identity"
            } else {
                "com.apple.credential.usernameandpassword"
            };
            if kind != expected {
                out.push(Finding::new(
                    Severity::Error,
                    format!("{loc}.Type"),
                    "data",
                    format!("Type is {kind:?}, not {expected}"),
                ));
                return out;
            }
            let Some(schema) = schemas().get(expected) else {
                return out;
            };
            let defs: Vec<&KeyDef> = schema.payloadkeys.iter().collect();
            let mut rest = doc.clone();
            rest.remove("Type");
            let (plist, mut problems) = to_plist_dict(&rest, &defs, &loc);
            out.append(&mut problems);
            out.extend(check_keys(&plist, &defs, &loc, opts));
            if let (Some(Plist::Data(p12)), Some(Plist::String(pw))) =
                (plist.get("Identity"), plist.get("Password"))
            {
                out.extend(identity(p12, pw, &loc, uses));
            }
        }
        "com.apple.asset.credential.certificate" => match pbkit_pki::bundle::parse(&bytes, name) {
            Ok(certs) if certs.len() == 1 => {}
            Ok(certs) => out.push(Finding::new(
                Severity::Error,
                &loc,
                "data",
                format!(
                    "{} certificates: a certificate asset holds one",
                    certs.len()
                ),
            )),
            Err(e) => out.push(Finding::new(Severity::Error, &loc, "data", e.to_string())),
        },
        _ => {}
    }
    out
}

/// The PKCS#12 of an identity asset: one identity, opened with its Password, fit for
/// every S/MIME use an account makes of it.
fn identity(
    p12: &[u8],
    password: &str,
    loc: &str,
    uses: Option<&Vec<(SmimeUse, Option<String>)>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let id = match Identity::from_pkcs12(p12, &Password::new(password)) {
        Ok(id) => id,
        Err(e) => {
            out.push(Finding::new(
                Severity::Error,
                format!("{loc}.Identity"),
                "pkcs12",
                format!("does not open as one identity with its Password: {e}"),
            ));
            return out;
        }
    };
    if !id.chain().is_empty() {
        out.push(Finding::new(
            Severity::Note,
            format!("{loc}.Identity"),
            "pkcs12",
            format!(
                "holds {} CA certificates besides the identity",
                id.chain().len()
            ),
        ));
    }
    let Ok(facts) = id.certificate().facts() else {
        return out;
    };
    for (used_for, email) in uses.into_iter().flatten() {
        for unfit in fitness(&facts, *used_for, email.as_deref()) {
            out.push(Finding::new(
                Severity::Error,
                format!("{loc}.Identity"),
                "identity",
                unfit.to_string(),
            ));
        }
    }
    out
}
