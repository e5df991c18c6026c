//! The output folder: `declarations/*.json`, `assets/*` (the data the asset declarations
//! reference) and `manifest.json`, which lists them and what a DDM server must serve.
//!
//! The folder is staged and swapped in whole. A rebuild into a folder a previous build
//! wrote reuses its identity assets when the identity and suite are unchanged, so the
//! declarations, and their ServerTokens, stay the same.

use std::collections::BTreeMap;
use std::path::Path;

use pbkit_outfile::{Existing, Perm, StagedDir};
use serde::{Deserialize, Serialize};

use crate::convert::{PreviousIdentity, Set, Unmapped};
use crate::Error;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// What a build wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Every declaration, with its file.
    pub declarations: Vec<DeclarationEntry>,
    /// Every asset data file, with the URL devices fetch it from.
    pub assets: Vec<AssetEntry>,
    /// The identity assets: which certificate, which suite.
    pub identities: Vec<IdentityEntry>,
    /// Keys of the profile with no declarative form.
    #[serde(default)]
    pub unmapped: Vec<Unmapped>,
}

/// One declaration of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeclarationEntry {
    /// Its Type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its Identifier.
    pub identifier: String,
    /// Its ServerToken.
    pub server_token: String,
    /// Its file, relative to the folder.
    pub file: String,
}

/// One asset data file of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssetEntry {
    /// Its file, relative to the folder.
    pub file: String,
    /// Where devices fetch it (the declaration's DataURL).
    pub url: String,
    /// Its media type.
    pub content_type: String,
    /// Its size.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// Whether it holds a secret (written 0600; serve it only to its device).
    pub secret: bool,
}

/// One identity asset of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityEntry {
    /// The asset declaration's Identifier.
    pub asset: String,
    /// SHA-256 of the identity's certificate.
    pub certificate_sha256: String,
    /// The PKCS#12 suite.
    pub suite: String,
}

/// The identity assets a previous build left in `dir`, for [`crate::Options::previous`].
pub fn previous(dir: &Path) -> Result<BTreeMap<String, PreviousIdentity>, Error> {
    let path = dir.join(MANIFEST);
    let bytes = match pbkit_infile::read_if_exists(&path, crate::DECLARATION_LIMIT) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::Previous(e)),
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|source| Error::PreviousManifest {
            path: path.display().to_string(),
            source,
        })?;
    let mut out = BTreeMap::new();
    // A name that would reach outside the folder is no asset of a previous build.
    let ours = |id: &IdentityEntry| crate::declaration::file_name_problem(&id.asset).is_none();
    for id in manifest.identities.into_iter().filter(ours) {
        let Some(asset) = manifest
            .assets
            .iter()
            .find(|a| a.file == format!("assets/{}.json", id.asset))
        else {
            continue;
        };
        // A file that is gone or changed is not reused: it is written anew.
        if let Ok(bytes) = pbkit_infile::read(&dir.join(&asset.file), crate::ASSET_LIMIT) {
            out.insert(
                id.asset,
                PreviousIdentity {
                    certificate_sha256: id.certificate_sha256,
                    suite: id.suite,
                    bytes,
                },
            );
        }
    }
    Ok(out)
}

/// Whether `dir` holds a previous build (its manifest): such a folder is replaced.
pub fn is_build(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

/// Writes the set to `dir`: staged, then swapped in. A folder with other content is
/// refused unless `force`.
pub fn write(set: &Set, dir: &Path, force: bool) -> Result<Manifest, Error> {
    // A Set can be made by hand: nothing is written unless every name stays in its folder.
    let names = set.declarations.iter().map(|d| &d.identifier);
    for name in names.chain(set.data.iter().map(|a| &a.file)) {
        if let Some(reason) = crate::declaration::file_name_problem(name) {
            return Err(Error::Identifier {
                identifier: name.clone(),
                reason,
            });
        }
    }
    let existing = if force || is_build(dir) {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    // Identity assets hold PKCS#12 files and their passwords.
    let staged = StagedDir::new(dir, existing, Perm::Secret)?;
    let root = staged.path();
    pbkit_outfile::create_dir(&root.join("declarations"), Perm::Secret)?;
    pbkit_outfile::create_dir(&root.join("assets"), Perm::Secret)?;
    let base = &set.asset_base_url;
    let mut manifest = Manifest {
        declarations: Vec::new(),
        assets: Vec::new(),
        identities: set
            .identities
            .iter()
            .map(|(asset, (sha, suite))| IdentityEntry {
                asset: asset.clone(),
                certificate_sha256: sha.clone(),
                suite: suite.clone(),
            })
            .collect(),
        unmapped: set.unmapped.clone(),
    };
    // Every file flushed and moved into place together, before the folder is swapped in.
    let mut files = Vec::new();
    for d in &set.declarations {
        let file = format!("declarations/{}.json", d.identifier);
        files.extend(pbkit_outfile::stage(
            root.join(&file),
            &d.to_json(),
            Perm::Public,
        )?);
        manifest.declarations.push(DeclarationEntry {
            kind: d.kind.clone(),
            identifier: d.identifier.clone(),
            server_token: d.server_token.clone(),
            file,
        });
    }
    for a in &set.data {
        let file = format!("assets/{}", a.file);
        let perm = if a.secret { Perm::Secret } else { Perm::Public };
        files.extend(pbkit_outfile::stage(root.join(&file), &a.bytes, perm)?);
        let reference = a.reference(base);
        manifest.assets.push(AssetEntry {
            file,
            url: format!("{base}{}", a.file),
            content_type: a.content_type.to_string(),
            size: a.bytes.len() as u64,
            sha256: reference
                .get("Hash-SHA-256")
                .and_then(|h| h.as_str())
                .unwrap_or_default()
                .to_string(),
            secret: a.secret,
        });
    }
    let mut json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    json.push(b'\n');
    files.extend(pbkit_outfile::stage(
        root.join(MANIFEST),
        &json,
        Perm::Public,
    )?);
    pbkit_outfile::commit_group(files)?;
    staged.commit()?;
    Ok(manifest)
}
