//! The provider app, its token extension and a consumer app, as their entitlements and
//! Info.plist must say it: a scaffold to start from, and a lint of an existing app's files
//! for the mismatches that make a token silently empty.
//!
//! What holds it together (Purebred's CtkProvider and CtkConsumer samples):
//! - the provider app and its extension share a keychain access group
//!   (`keychain-access-groups`, `TEAMID.<group>`): the app adds keys there, the extension
//!   reads them;
//! - the extension's `NSExtension` has `NSExtensionPointIdentifier =
//!   com.apple.ctk-tokens`, a `com.apple.ctk.driver-class`, and a
//!   `com.apple.ctk.class-id` equal to the extension's bundle identifier: the provider
//!   finds its driver configuration under that key (the sample's class-id and bundle id
//!   disagree, and its README says to fix three identifiers by hand);
//! - a consumer app lists `com.apple.token` in its access groups, after its own (the first
//!   group is where the app's own keychain writes go).

use std::path::PathBuf;

use pbkit_profile::{Finding, Report, Severity};
use plist::{Dictionary, Value};

use crate::Error;

/// The extension point of persistent-token extensions.
pub const EXTENSION_POINT: &str = "com.apple.ctk-tokens";
/// The access group through which apps see every token's items.
pub const TOKEN_GROUP: &str = "com.apple.token";
const CLASS_ID: &str = "com.apple.ctk.class-id";
const DRIVER_CLASS: &str = "com.apple.ctk.driver-class";
const GROUPS: &str = "keychain-access-groups";

/// Who is who: the team and the three bundles.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppIds {
    /// The team's App ID prefix (`ABCDE12345`), without the dot.
    pub team_prefix: String,
    /// The provider app's bundle identifier.
    pub provider: String,
    /// The token extension's bundle identifier (default: `<provider>.token`).
    pub extension: String,
    /// The keychain access group provider and extension share (default: the provider's
    /// bundle identifier).
    pub access_group: String,
    /// The extension's driver class (default: `TokenDriver`, the Objective-C template's;
    /// a Swift extension needs `$(PRODUCT_MODULE_NAME).TokenDriver`).
    pub driver_class: String,
    /// A consumer app's bundle identifier, if one is scaffolded.
    pub consumer: Option<String>,
}

impl AppIds {
    /// The ids of a provider app, the rest at their defaults; each checked.
    pub fn new(team_prefix: &str, provider: &str) -> Result<AppIds, Error> {
        let team_prefix = team_prefix.trim_end_matches('.');
        let team_ok = team_prefix.len() == 10
            && team_prefix
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !team_ok {
            return Err(Error::TeamPrefix(team_prefix.to_string()));
        }
        check_bundle_id(provider)?;
        Ok(AppIds {
            team_prefix: team_prefix.to_string(),
            provider: provider.to_string(),
            extension: format!("{provider}.token"),
            access_group: provider.to_string(),
            driver_class: "TokenDriver".to_string(),
            consumer: None,
        })
    }

    /// The token extension's bundle identifier.
    pub fn extension(self, id: &str) -> Result<AppIds, Error> {
        check_bundle_id(id)?;
        Ok(AppIds {
            extension: id.to_string(),
            ..self
        })
    }

    /// The shared keychain access group (without the team prefix).
    pub fn access_group(self, group: &str) -> Result<AppIds, Error> {
        check_bundle_id(group)?;
        Ok(AppIds {
            access_group: group.to_string(),
            ..self
        })
    }

    /// A consumer app to scaffold too.
    pub fn consumer(self, id: &str) -> Result<AppIds, Error> {
        check_bundle_id(id)?;
        Ok(AppIds {
            consumer: Some(id.to_string()),
            ..self
        })
    }

    /// The driver class the extension names.
    pub fn driver_class(self, class: &str) -> AppIds {
        AppIds {
            driver_class: class.to_string(),
            ..self
        }
    }

    /// `TEAMID.<id>`, as an access group is written in entitlements.
    fn group(&self, id: &str) -> String {
        format!("{}.{id}", self.team_prefix)
    }

    /// The files of the scaffold, each a plist to write as XML.
    pub fn scaffold(&self) -> Vec<ScaffoldFile> {
        let groups = |list: Vec<String>| {
            Value::Dictionary(Dictionary::from_iter([(
                GROUPS.to_string(),
                Value::Array(list.into_iter().map(Value::String).collect()),
            )]))
        };
        let shared = self.group(&self.access_group);
        let mut files = vec![
            ScaffoldFile {
                name: "provider.entitlements",
                about: "the provider app: adds the keys to the shared access group",
                value: groups(vec![shared.clone()]),
            },
            ScaffoldFile {
                name: "token-extension.entitlements",
                about: "the token extension: reads the keys from the same group",
                value: groups(vec![shared]),
            },
            ScaffoldFile {
                name: "token-extension-Info.plist",
                about: "the extension's NSExtension block (merge into its Info.plist)",
                value: Value::Dictionary(Dictionary::from_iter([(
                    "NSExtension".to_string(),
                    Value::Dictionary(Dictionary::from_iter([
                        (
                            "NSExtensionAttributes".to_string(),
                            Value::Dictionary(Dictionary::from_iter([
                                (CLASS_ID.to_string(), Value::from(self.extension.clone())),
                                (
                                    DRIVER_CLASS.to_string(),
                                    Value::from(self.driver_class.clone()),
                                ),
                            ])),
                        ),
                        (
                            "NSExtensionPointIdentifier".to_string(),
                            Value::from(EXTENSION_POINT),
                        ),
                    ])),
                )])),
            },
        ];
        if let Some(consumer) = &self.consumer {
            files.push(ScaffoldFile {
                name: "consumer.entitlements",
                about: "a consumer app: its own group first, then every token's",
                value: groups(vec![self.group(consumer), TOKEN_GROUP.to_string()]),
            });
        }
        files
    }
}

/// One file of a scaffold.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaffoldFile {
    /// Its file name.
    pub name: &'static str,
    /// What it is for.
    pub about: &'static str,
    /// Its content.
    pub value: Value,
}

/// A bundle identifier or access group: reverse-DNS characters, no empty part.
fn check_bundle_id(id: &str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && id.len() <= 155
        && id.split('.').all(|part| !part.is_empty())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::BundleId(id.to_string()))
    }
}

/// An existing app's files to lint; any may be left out (its checks are skipped).
#[derive(Debug, Clone, Default)]
pub struct AppFiles {
    /// The provider app's entitlements.
    pub provider_entitlements: Option<PathBuf>,
    /// The token extension's entitlements.
    pub extension_entitlements: Option<PathBuf>,
    /// The token extension's Info.plist.
    pub extension_info_plist: Option<PathBuf>,
    /// A consumer app's entitlements.
    pub consumer_entitlements: Option<PathBuf>,
    /// The extension's bundle identifier, when its Info.plist says `$(PRODUCT_BUNDLE_
    /// IDENTIFIER)` (Xcode fills it in at build).
    pub extension_id: Option<String>,
}

/// The largest plist read.
const FILE_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(1 << 20, "an entitlements or Info.plist file");

/// Lints an app's token files: every finding, file by file.
pub fn lint(files: &AppFiles) -> Report {
    let mut report = Report::default();
    let read = |path: &Option<PathBuf>, report: &mut Report| -> Option<Dictionary> {
        let path = path.as_ref()?;
        let name = path.display().to_string();
        let read = pbkit_infile::read(path, FILE_LIMIT)
            .map_err(|e| e.problem.to_string())
            .and_then(|b| pbkit_profile::model::top_dictionary(&b).map_err(|e| e.to_string()));
        match read {
            Ok(d) => Some(d),
            Err(message) => {
                report.add(
                    &name,
                    [Finding::new(Severity::Error, "file", "read", message)],
                );
                None
            }
        }
    };
    let provider = read(&files.provider_entitlements, &mut report);
    let extension = read(&files.extension_entitlements, &mut report);
    let info = read(&files.extension_info_plist, &mut report);
    let consumer = read(&files.consumer_entitlements, &mut report);
    let name = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };

    if let Some(info) = &info {
        report.add(
            &name(&files.extension_info_plist),
            info_findings(info, files),
        );
    }
    for (dict, path, who) in [
        (&provider, &files.provider_entitlements, "the provider app"),
        (
            &extension,
            &files.extension_entitlements,
            "the token extension",
        ),
    ] {
        if let Some(d) = dict {
            let mut out = Vec::new();
            if groups(d).is_empty() {
                out.push(Finding::new(
                    Severity::Error,
                    GROUPS,
                    "access-group",
                    format!("{who} names no keychain access group: the keys the provider adds and the extension reads must be in one they share"),
                ));
            }
            report.add(&name(path), out);
        }
    }
    if let (Some(p), Some(e)) = (&provider, &extension) {
        let (pg, eg) = (groups(p), groups(e));
        if !pg.is_empty() && !eg.is_empty() && !pg.iter().any(|g| eg.contains(g)) {
            report.findings.push(pbkit_profile::FileFinding {
                file: name(&files.extension_entitlements),
                finding: Finding::new(
                    Severity::Error,
                    GROUPS,
                    "access-group",
                    format!(
                        "shares no keychain access group with the provider app ({} vs {}): the extension cannot read the keys the app adds",
                        eg.join(", "),
                        pg.join(", ")
                    ),
                ),
            });
        }
    }
    if let Some(c) = &consumer {
        let g = groups(c);
        let out = match g.iter().position(|x| x == TOKEN_GROUP) {
            None => vec![Finding::new(
                Severity::Error,
                GROUPS,
                "token-group",
                format!("{TOKEN_GROUP} is not among the consumer's access groups: it sees no token's keys"),
            )],
            Some(0) => vec![Finding::new(
                Severity::Warning,
                GROUPS,
                "token-group",
                format!("{TOKEN_GROUP} is the first access group: the app's own keychain items would be written there, and it is read-only"),
            )],
            Some(_) => Vec::new(),
        };
        report.add(&name(&files.consumer_entitlements), out);
    }
    report
}

fn info_findings(info: &Dictionary, files: &AppFiles) -> Vec<Finding> {
    let mut out = Vec::new();
    let ext = info.get("NSExtension").and_then(Value::as_dictionary);
    let point = ext
        .and_then(|e| e.get("NSExtensionPointIdentifier"))
        .and_then(Value::as_string);
    if point != Some(EXTENSION_POINT) {
        out.push(Finding::new(
            Severity::Error,
            "NSExtension.NSExtensionPointIdentifier",
            "extension-point",
            format!(
                "is {}, not {EXTENSION_POINT}: iOS does not load it as a token extension",
                point.map_or_else(|| "missing".to_string(), |p| format!("{p:?}"))
            ),
        ));
    }
    let attributes = ext
        .and_then(|e| e.get("NSExtensionAttributes"))
        .and_then(Value::as_dictionary);
    let attr = |key| {
        attributes
            .and_then(|a| a.get(key))
            .and_then(Value::as_string)
    };
    if attr(DRIVER_CLASS).is_none_or(str::is_empty) {
        out.push(Finding::new(
            Severity::Error,
            "NSExtension.NSExtensionAttributes",
            "driver-class",
            format!("no {DRIVER_CLASS}: iOS has no driver to start"),
        ));
    }
    // The bundle identifier: given, or the Info.plist's own when Xcode does not fill it.
    let bundle_id = files.extension_id.clone().or_else(|| {
        info.get("CFBundleIdentifier")
            .and_then(Value::as_string)
            .filter(|s| !s.contains("$("))
            .map(str::to_string)
    });
    match (attr(CLASS_ID), bundle_id) {
        (None, _) => out.push(Finding::new(
            Severity::Error,
            "NSExtension.NSExtensionAttributes",
            "class-id",
            format!("no {CLASS_ID}: the provider finds its driver configuration under it"),
        )),
        (Some(class), Some(id)) if class != id => out.push(Finding::new(
            Severity::Error,
            "NSExtension.NSExtensionAttributes",
            "class-id",
            format!(
                "{CLASS_ID} {class:?} is not the extension's bundle identifier {id:?}: the provider's driver configuration is keyed by the bundle identifier, so no token is ever added"
            ),
        )),
        (Some(_), None) => out.push(Finding::new(
            Severity::Note,
            "NSExtension.NSExtensionAttributes",
            "class-id",
            format!("{CLASS_ID} not compared: give the extension's bundle identifier"),
        )),
        _ => {}
    }
    out
}

fn groups(d: &Dictionary) -> Vec<String> {
    d.get(GROUPS)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_string)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
