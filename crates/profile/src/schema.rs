//! Apple's profile schema, embedded as data (`schema/*.yaml`, MIT licence).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// One YAML file: a payload type and its keys.
#[derive(Debug, Deserialize)]
pub struct SchemaFile {
    /// The payload it describes.
    pub payload: PayloadInfo,
    /// Its keys, in Apple's order.
    pub payloadkeys: Vec<KeyDef>,
}

/// `payload:` of a schema file.
#[derive(Debug, Deserialize)]
pub struct PayloadInfo {
    /// PayloadType.
    pub payloadtype: String,
    /// Per-OS support.
    #[serde(rename = "supportedOS", default)]
    pub supported_os: BTreeMap<String, OsSupport>,
}

/// Support on one OS.
#[derive(Debug, Default, Deserialize)]
pub struct OsSupport {
    /// First version, or `n/a`.
    pub introduced: Option<String>,
    /// Version it was deprecated in.
    pub deprecated: Option<String>,
    /// Version it was removed in.
    pub removed: Option<String>,
    /// Requires supervision.
    pub supervised: Option<bool>,
}

/// One key.
#[derive(Debug, Deserialize)]
pub struct KeyDef {
    /// The key.
    pub key: String,
    /// Per-OS support (absent: as the payload).
    #[serde(rename = "supportedOS", default)]
    pub supported_os: BTreeMap<String, OsSupport>,
    /// `<string>`, `<integer>`, …
    #[serde(rename = "type")]
    pub value_type: String,
    /// `required` or `optional`.
    pub presence: Option<String>,
    /// Allowed values.
    pub rangelist: Option<Vec<serde_yaml_ng::Value>>,
    /// Numeric range.
    pub range: Option<Range>,
    /// Keys of a dictionary value (or of the items of an array).
    pub subkeys: Option<Vec<KeyDef>>,
    /// Apple's description (holds "Use 'X' instead" for deprecated keys).
    pub content: Option<String>,
    /// Declarative schema: the asset types a reference key may name.
    pub assettypes: Option<Vec<String>>,
}

/// `range:` of a key.
#[derive(Debug, Deserialize)]
pub struct Range {
    /// Minimum.
    pub min: Option<f64>,
    /// Maximum.
    pub max: Option<f64>,
}

impl KeyDef {
    /// Support on iOS (the key's own, else none).
    pub fn ios(&self) -> Option<&OsSupport> {
        self.supported_os.get("iOS")
    }

    /// The replacement Apple names for a deprecated key ("Use 'X' instead").
    pub fn replacement(&self) -> Option<String> {
        let c = self.content.as_deref()?;
        let start = c.find("Use '")? + 5;
        let end = c[start..].find('\'')?;
        Some(c[start..start + end].to_string())
    }
}

const FILES: [&str; 10] = [
    include_str!("../schema/TopLevel.yaml"),
    include_str!("../schema/CommonPayloadKeys.yaml"),
    include_str!("../schema/com.apple.security.pkcs12.yaml"),
    include_str!("../schema/com.apple.security.root.yaml"),
    include_str!("../schema/com.apple.security.pkcs1.yaml"),
    include_str!("../schema/com.apple.security.pem.yaml"),
    include_str!("../schema/com.apple.security.scep.yaml"),
    include_str!("../schema/com.apple.security.acme.yaml"),
    include_str!("../schema/com.apple.eas.account.yaml"),
    include_str!("../schema/com.apple.mail.managed.yaml"),
];

/// Every embedded schema file, by PayloadType (`TopLevel` for the top level,
/// `CommonPayloadKeys` for the keys every payload has).
#[expect(
    clippy::expect_used,
    reason = "the schema is embedded at build time and parsed by every test run"
)]
pub fn schemas() -> &'static BTreeMap<String, SchemaFile> {
    static SCHEMAS: OnceLock<BTreeMap<String, SchemaFile>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        FILES
            .iter()
            .map(|text| {
                let f: SchemaFile = serde_yaml_ng::from_str(text).expect("embedded schema parses");
                (f.payload.payloadtype.clone(), f)
            })
            .collect()
    })
}

/// Compares dotted versions (`12.0` < `12.1` < `13`).
pub fn version_lt(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (mut x, mut y) = (parse(a), parse(b));
    let n = x.len().max(y.len());
    x.resize(n, 0);
    y.resize(n, 0);
    x < y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_parses_and_is_keyed_by_type() {
        let s = schemas();
        for t in [
            "TopLevel",
            "CommonPayloadKeys",
            "com.apple.eas.account",
            "com.apple.mail.managed",
            "com.apple.security.pkcs12",
        ] {
            assert!(s.contains_key(t), "{t}: {:?}", s.keys().collect::<Vec<_>>());
        }
        let eas = &s["com.apple.eas.account"];
        let enc = eas
            .payloadkeys
            .iter()
            .find(|k| k.key == "SMIMEEncryptionEnabled")
            .unwrap();
        assert_eq!(enc.ios().unwrap().deprecated.as_deref(), Some("12.0"));
        assert_eq!(enc.replacement().as_deref(), Some("SMIMEEncryptByDefault"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_lt("9.0", "10.0"));
        assert!(version_lt("12", "12.1"));
        assert!(!version_lt("14.0", "14"));
    }
}
