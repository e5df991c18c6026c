//! What changes between two profiles, as an admin reads it before replacing one with the
//! other: payloads matched by type and identifier, key-by-key changes, certificates and
//! PKCS#12 identities compared by their certificate's facts rather than their bytes, and
//! changes of UUIDs alone (which Jamf Pro makes on upload) set apart from real ones.

use std::collections::BTreeMap;

use pbkit_pki::Summary;
use plist::{Dictionary, Value};
use serde::Serialize;

use crate::model::Profile;
use crate::sign::verify;
use crate::Error;

/// How a key or payload differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Only in the second profile.
    Added,
    /// Only in the first.
    Removed,
    /// In both, different.
    Changed,
}

/// One difference of a value.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Where: `EmailAddress`, `PayloadContent`, `Items[2].Name`.
    pub path: String,
    /// Added, removed or changed.
    pub kind: Kind,
    /// The first profile's value, rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The second profile's value, rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A UUID that changed while what it names did not: a PayloadUUID, or a reference
    /// that still leads to the matching payload.
    pub uuid_only: bool,
}

/// One payload's differences.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadDiff {
    /// PayloadType.
    pub payload_type: String,
    /// PayloadIdentifier (the first profile's, when both have the payload).
    pub identifier: String,
    /// Added, removed or changed; `None` when the same.
    pub kind: Option<Kind>,
    /// The changes inside it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// The differences between two profiles.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// No real change (UUID-only changes may remain).
    pub same: bool,
    /// Changes of the profile's own keys.
    pub profile: Vec<Change>,
    /// Every payload of either profile, the first's order, then the added ones.
    pub payloads: Vec<PayloadDiff>,
    /// Real changes, in all.
    pub real_changes: usize,
    /// UUID-only changes, in all.
    pub uuid_only_changes: usize,
}

/// A payload as the diff sees it.
struct PayloadSide<'a> {
    dict: &'a Dictionary,
    payload_type: String,
    identifier: String,
    certificate: Option<Summary>,
}

fn text(d: &Dictionary, key: &str) -> String {
    d.get(key)
        .and_then(Value::as_string)
        .unwrap_or_default()
        .to_string()
}

/// One side of a diff: a profile read (its signature, if any, set aside).
#[derive(Debug, Clone)]
pub struct Side {
    top: Dictionary,
    plist: Vec<u8>,
}

impl Side {
    /// Reads a profile, signed or not.
    pub fn read(bytes: &[u8]) -> Result<Side, Error> {
        let plist = verify(bytes, &[]).into_content().map_err(Error::Invalid)?;
        let top = crate::model::top_dictionary(&plist)?;
        Ok(Side { top, plist })
    }
}

fn sides<'a>(top: &'a Dictionary, plist: &[u8]) -> Vec<PayloadSide<'a>> {
    // The typed model knows which payloads carry a certificate, and opens PKCS#12 ones
    // with their Password; a profile it cannot model is compared by bytes.
    let certificates: BTreeMap<(String, String), Summary> = Profile::from_plist(plist)
        .map(|p| {
            p.payloads
                .iter()
                .filter_map(|payload| {
                    let (summary, _) = crate::inspect::payload_certificate(&payload.content);
                    summary.map(|s| {
                        (
                            (
                                payload.payload_type().to_string(),
                                payload.identifier.clone(),
                            ),
                            s,
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    top.get("PayloadContent")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_dictionary)
                .map(|dict| {
                    let (payload_type, identifier) =
                        (text(dict, "PayloadType"), text(dict, "PayloadIdentifier"));
                    let certificate = certificates
                        .get(&(payload_type.clone(), identifier.clone()))
                        .cloned();
                    PayloadSide {
                        dict,
                        payload_type,
                        identifier,
                        certificate,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A value as a line of text: strings quoted, data by size, containers by length.
/// A value as a diff shows it; a secret key's value (a password) as `<secret>`, so that
/// a diff can be pasted into a ticket.
fn render(key: &str, v: &Value) -> String {
    if crate::model::is_secret_key(key) {
        return "<secret>".into();
    }
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Data(d) => format!("<{} bytes>", d.len()),
        Value::Date(d) => d.to_xml_format(),
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Dictionary(d) => format!("{{{} keys}}", d.len()),
        _ => "(value)".to_string(),
    }
}

fn certificate_line(s: &Summary) -> String {
    format!(
        "certificate {} (serial {}, until {}, SHA-256 {}…)",
        pbkit_pki::common_name(&s.subject),
        s.serial,
        pbkit_pki::rfc3339(s.not_after),
        &s.sha256[..16.min(s.sha256.len())]
    )
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// Compares `a` and `b` under `path`, pushing each difference.
fn values(
    path: &str,
    a: &Value,
    b: &Value,
    uuid_only: &dyn Fn(&str, &str, &str) -> bool,
    out: &mut Vec<Change>,
) {
    match (a, b) {
        (Value::Dictionary(x), Value::Dictionary(y)) => dictionaries(path, x, y, uuid_only, out),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                values(&format!("{path}[{i}]"), p, q, uuid_only, out);
            }
        }
        _ if a == b => {}
        _ => {
            let key = path.rsplit(['.', ']']).next().unwrap_or(path);
            let only = match (a, b) {
                (Value::String(x), Value::String(y)) => {
                    key.ends_with("UUID") && is_uuid(x) && is_uuid(y) && uuid_only(key, x, y)
                }
                _ => false,
            };
            out.push(Change {
                path: path.to_string(),
                kind: Kind::Changed,
                from: Some(render(key, a)),
                to: Some(render(key, b)),
                uuid_only: only,
            });
        }
    }
}

fn dictionaries(
    path: &str,
    a: &Dictionary,
    b: &Dictionary,
    uuid_only: &dyn Fn(&str, &str, &str) -> bool,
    out: &mut Vec<Change>,
) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    for (k, v) in a {
        match b.get(k) {
            Some(w) => values(&join(k), v, w, uuid_only, out),
            None => out.push(Change {
                path: join(k),
                kind: Kind::Removed,
                from: Some(render(k, v)),
                to: None,
                uuid_only: false,
            }),
        }
    }
    for (k, w) in b {
        if !a.contains_key(k) {
            out.push(Change {
                path: join(k),
                kind: Kind::Added,
                from: None,
                to: Some(render(k, w)),
                uuid_only: false,
            });
        }
    }
}

/// Compares two profiles (plain or signed; signatures are not judged here).
pub fn diff(a: &[u8], b: &[u8]) -> Result<Diff, Error> {
    Ok(diff_sides(&Side::read(a)?, &Side::read(b)?))
}

/// Compares two profiles already read.
pub fn diff_sides(a: &Side, b: &Side) -> Diff {
    let (top_a, top_b) = (&a.top, &b.top);
    let (sides_a, sides_b) = (sides(top_a, &a.plist), sides(top_b, &b.plist));

    // Match payloads by type and identifier; then, among the rest, a type that is left
    // once on each side (an identifier Jamf re-derived).
    let mut pair: Vec<Option<usize>> = vec![None; sides_a.len()];
    let mut taken = vec![false; sides_b.len()];
    for (i, s) in sides_a.iter().enumerate() {
        if let Some(j) = sides_b.iter().enumerate().position(|(j, t)| {
            !taken[j] && t.payload_type == s.payload_type && t.identifier == s.identifier
        }) {
            pair[i] = Some(j);
            taken[j] = true;
        }
    }
    for (i, s) in sides_a.iter().enumerate() {
        if pair[i].is_some() {
            continue;
        }
        let left_a = (0..sides_a.len())
            .filter(|&k| pair[k].is_none() && sides_a[k].payload_type == s.payload_type)
            .count();
        let left_b: Vec<usize> = (0..sides_b.len())
            .filter(|&j| !taken[j] && sides_b[j].payload_type == s.payload_type)
            .collect();
        if let ([j], 1) = (left_b.as_slice(), left_a) {
            pair[i] = Some(*j);
            taken[*j] = true;
        }
    }

    // A reference UUID change is UUID-only when both UUIDs name payloads matched to each
    // other (or the profiles themselves).
    let index = |sides: &[PayloadSide], uuid: &str| {
        sides
            .iter()
            .position(|s| s.dict.get("PayloadUUID").and_then(Value::as_string) == Some(uuid))
    };
    let top_uuid = |d: &Dictionary| text(d, "PayloadUUID");
    let (uuid_a, uuid_b) = (top_uuid(top_a), top_uuid(top_b));
    let uuid_only = |key: &str, x: &str, y: &str| -> bool {
        key == "PayloadUUID"
            || (x == uuid_a && y == uuid_b)
            || match (index(&sides_a, x), index(&sides_b, y)) {
                (Some(i), Some(j)) => pair[i] == Some(j),
                _ => false,
            }
    };

    let mut profile = Vec::new();
    let strip = |d: &Dictionary| {
        let mut d = d.clone();
        d.remove("PayloadContent");
        d
    };
    dictionaries("", &strip(top_a), &strip(top_b), &uuid_only, &mut profile);

    let mut payloads = Vec::new();
    for (i, s) in sides_a.iter().enumerate() {
        let Some(j) = pair[i] else {
            payloads.push(PayloadDiff {
                payload_type: s.payload_type.clone(),
                identifier: s.identifier.clone(),
                kind: Some(Kind::Removed),
                changes: Vec::new(),
            });
            continue;
        };
        let t = &sides_b[j];
        let mut changes = Vec::new();
        let (mut da, mut db) = (s.dict.clone(), t.dict.clone());
        // Certificates by their facts: the same certificate re-encoded (a PKCS#12 under a
        // new password or salt) is no change; another one is, shown by its facts.
        if let (Some(ca), Some(cb)) = (&s.certificate, &t.certificate) {
            for d in [&mut da, &mut db] {
                d.remove("PayloadContent");
                d.remove("Password");
            }
            if ca != cb {
                changes.push(Change {
                    path: "PayloadContent".into(),
                    kind: Kind::Changed,
                    from: Some(certificate_line(ca)),
                    to: Some(certificate_line(cb)),
                    uuid_only: false,
                });
            }
        }
        dictionaries("", &da, &db, &uuid_only, &mut changes);
        let kind = (!changes.is_empty()).then_some(Kind::Changed);
        payloads.push(PayloadDiff {
            payload_type: s.payload_type.clone(),
            identifier: s.identifier.clone(),
            kind,
            changes,
        });
    }
    for (j, t) in sides_b.iter().enumerate() {
        if !taken[j] {
            payloads.push(PayloadDiff {
                payload_type: t.payload_type.clone(),
                identifier: t.identifier.clone(),
                kind: Some(Kind::Added),
                changes: Vec::new(),
            });
        }
    }

    let all = || {
        profile
            .iter()
            .chain(payloads.iter().flat_map(|p| p.changes.iter()))
    };
    let uuid_only_changes = all().filter(|c| c.uuid_only).count();
    let real_changes = all().filter(|c| !c.uuid_only).count()
        + payloads
            .iter()
            .filter(|p| matches!(p.kind, Some(Kind::Added | Kind::Removed)))
            .count();
    Diff {
        same: real_changes == 0,
        profile,
        payloads,
        real_changes,
        uuid_only_changes,
    }
}

impl Diff {
    /// Each real change on one line, with its payload: what a failed check reports.
    pub fn real_change_lines(&self) -> Vec<String> {
        let line = |at: &str, c: &Change| {
            let value = |v: &Option<String>| v.as_deref().unwrap_or("(none)").to_string();
            format!("{at}{}: {} -> {}", c.path, value(&c.from), value(&c.to))
        };
        let mut out: Vec<String> = self
            .profile
            .iter()
            .filter(|c| !c.uuid_only)
            .map(|c| line("", c))
            .collect();
        for p in &self.payloads {
            let at = format!("{} {}: ", p.payload_type, p.identifier);
            match p.kind {
                Some(Kind::Added) => out.push(format!("{at}added")),
                Some(Kind::Removed) => out.push(format!("{at}removed")),
                _ => out.extend(
                    p.changes
                        .iter()
                        .filter(|c| !c.uuid_only)
                        .map(|c| line(&at, c)),
                ),
            }
        }
        out
    }
}

/// The diff as `pbkit profile diff` prints it: a summary line, then each change.
impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let line = |f: &mut std::fmt::Formatter<'_>, c: &Change| {
            let tail = if c.uuid_only { " (UUID only)" } else { "" };
            match c.kind {
                Kind::Changed => writeln!(
                    f,
                    "    {}: {} -> {}{tail}",
                    c.path,
                    c.from.as_deref().unwrap_or_default(),
                    c.to.as_deref().unwrap_or_default()
                ),
                Kind::Added => writeln!(
                    f,
                    "    + {}: {}",
                    c.path,
                    c.to.as_deref().unwrap_or_default()
                ),
                Kind::Removed => writeln!(
                    f,
                    "    - {}: {}",
                    c.path,
                    c.from.as_deref().unwrap_or_default()
                ),
            }
        };
        writeln!(
            f,
            "{}: {} real changes, {} UUID-only",
            if self.same { "same" } else { "different" },
            self.real_changes,
            self.uuid_only_changes
        )?;
        if !self.profile.is_empty() {
            writeln!(f, "  profile")?;
            for c in &self.profile {
                line(f, c)?;
            }
        }
        let mut unchanged = 0;
        for p in &self.payloads {
            let word = match p.kind {
                None => {
                    unchanged += 1;
                    continue;
                }
                Some(Kind::Added) => "added",
                Some(Kind::Removed) => "removed",
                Some(Kind::Changed) => "changed",
            };
            writeln!(f, "  {word} {} {}", p.payload_type, p.identifier)?;
            for c in &p.changes {
                line(f, c)?;
            }
        }
        if unchanged > 0 {
            writeln!(f, "  {unchanged} payloads the same")?;
        }
        Ok(())
    }
}
