//! One declaration: `Type`, `Identifier`, `ServerToken`, `Payload`, as a DDM server serves
//! it, and the external data an asset declaration points to.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Declaration {
    /// `com.apple.configuration.account.exchange`, `com.apple.asset.credential.identity`…
    #[serde(rename = "Type")]
    pub kind: String,
    /// Unique among the declarations of a device.
    pub identifier: String,
    /// Changes exactly when the declaration does: a device refetches on a new token.
    pub server_token: String,
    /// The declaration's keys.
    pub payload: Map<String, Value>,
}

impl Declaration {
    /// A declaration whose ServerToken is derived from its content (type, identifier and
    /// payload, serialized with sorted keys): a rebuild with no change keeps it.
    pub fn new(kind: &str, identifier: &str, payload: Map<String, Value>) -> Declaration {
        let mut hash = Sha256::new();
        for part in [kind.as_bytes(), identifier.as_bytes()] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        // serde_json's Map keeps keys sorted: the same payload always serializes alike.
        hash.update(serde_json::to_vec(&payload).unwrap_or_default());
        let digest = hash.finalize();
        Declaration {
            kind: kind.to_string(),
            identifier: identifier.to_string(),
            server_token: pbkit_pki::hex::upper(&digest[..16]),
            payload,
        }
    }

    /// The declaration's JSON, pretty-printed.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// Why `identifier` cannot be a declaration's file name (`IDENTIFIER.json` in one folder),
/// if it cannot: a separator or `..` would write outside the output folder, a leading dot
/// would hide the file, control characters would reach terminals and logs.
pub fn file_name_problem(identifier: &str) -> Option<&'static str> {
    if identifier.is_empty() {
        Some("it is empty")
    } else if identifier.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if identifier.starts_with('.') {
        Some("it starts with a dot")
    } else if identifier.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if identifier.len() > 200 {
        Some("it is longer than 200 bytes")
    } else {
        None
    }
}

/// The data an asset declaration's `Reference` points to: a file the DDM server serves.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalData {
    /// The file name, under `assets/`.
    pub file: String,
    /// Its media type (`application/json`, `application/pkcs1`).
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Whether it holds a secret (a PKCS#12 and its password, a password).
    pub secret: bool,
}

impl ExternalData {
    /// The `Reference` dictionary of an asset declaration: DataURL, ContentType, Size,
    /// Hash-SHA-256 (lowercase hex) of these bytes.
    pub fn reference(&self, base_url: &str) -> Map<String, Value> {
        let mut r = Map::new();
        r.insert("DataURL".into(), format!("{base_url}{}", self.file).into());
        r.insert("ContentType".into(), self.content_type.into());
        r.insert("Size".into(), (self.bytes.len() as u64).into());
        r.insert(
            "Hash-SHA-256".into(),
            pbkit_pki::hex::upper(&Sha256::digest(&self.bytes))
                .to_ascii_lowercase()
                .into(),
        );
        r
    }
}
