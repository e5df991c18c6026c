//! A key-sharing pack: the files a Purebred provider would serve for a set of identities.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use pbkit_outfile::Perm;
use pbkit_pkcs12::{Identity, Password, Suite, WriteOptions};
use pbkit_pki::{Facts, Summary};
use serde::Serialize;
use time::OffsetDateTime;

use crate::select::{Candidate, Selector};
use crate::{classify, CertType, Classification, Error, Format, Selection};

/// The friendly name Purebred's provider gives every key and certificate bag.
pub const FRIENDLY_NAME: &str = "SKP";

/// An identity to pack, and where it came from (for messages and the manifest).
pub struct Source {
    /// The input it was read from.
    pub origin: String,
    /// The identity.
    pub identity: Identity,
}

impl Source {
    /// Opens every PKCS#12 of `inputs` ([`crate::pkcs12_inputs`]: files as named, folders
    /// as their `.p12`/`.pfx` files) with `password`. Any that does not open stops the
    /// pack: a pack silently missing an identity is worse than none.
    pub fn read_all(
        inputs: &[std::path::PathBuf],
        password: &Password,
    ) -> Result<Vec<Source>, Error> {
        crate::pkcs12_inputs(inputs)?
            .into_iter()
            .map(|path| {
                let der = pbkit_infile::read(&path, pbkit_pkcs12::FILE_LIMIT)?;
                let identity =
                    Identity::from_pkcs12(&der, password).map_err(|source| Error::Input {
                        path: path.display().to_string(),
                        source,
                    })?;
                Ok(Source {
                    origin: path.display().to_string(),
                    identity,
                })
            })
            .collect()
    }
}

/// One identity of a pack, named and placed.
pub struct Entry {
    /// File name inside archives and under `p12/`.
    pub name: String,
    /// Its type, and the rule that decided it.
    pub classification: Classification,
    /// Its certificate's facts.
    pub facts: Facts,
    /// Where it came from.
    pub origin: String,
    /// The archives that hold it, and why.
    pub archives: Vec<Placement>,
    /// Why it is in no archive but Unfiltered, when that is so.
    pub excluded: Option<String>,
    identity: Identity,
}

/// An archive that holds an entry, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// The archive's file name, e.g. `All User.zip`.
    pub archive: String,
    /// Why the entry is in it.
    pub reason: String,
}

/// How a pack is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackOptions {
    /// Which provider generation the pack imitates: both write the same archives; 2025
    /// also serves each selection as a folder (`select.*` UTIs), so its packs hold
    /// `<Folder>/` beside `<Folder>.zip`.
    pub format: Format,
    /// The PKCS#12 suite of every file.
    pub suite: Suite,
}

impl PackOptions {
    /// What the provider of `format` writes: `purebred` for 2025, `ios-legacy` for the
    /// legacy provider (the algorithms of the Purebred-era files).
    pub fn for_format(format: Format) -> PackOptions {
        PackOptions {
            format,
            suite: match format {
                Format::V2025 => Suite::Purebred,
                Format::Legacy => Suite::IosLegacy,
            },
        }
    }
}

/// The identities of a pack, classified, named and placed; nothing written yet.
pub struct Plan {
    /// Entries in name order.
    pub entries: Vec<Entry>,
    /// Things worth telling the user that do not stop the pack.
    pub warnings: Vec<String>,
}

impl Plan {
    /// Classifies, deduplicates, names and places `sources`. The result does not depend
    /// on the order of `sources`. `at` is the instant expiry warnings are judged at.
    pub fn new(sources: Vec<Source>, at: OffsetDateTime) -> Result<Plan, Error> {
        let mut warnings = Vec::new();
        let mut items = Vec::new();
        for s in sources {
            let facts = s.identity.certificate().facts()?;
            items.push((facts, s));
        }
        // Same certificate from two inputs: pack it once, from the first input by name.
        items.sort_by(|(fa, sa), (fb, sb)| {
            fa.sha256.cmp(&fb.sha256).then(sa.origin.cmp(&sb.origin))
        });
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        items.retain(|(f, s)| match seen.get(&f.sha256) {
            Some(first) => {
                warnings.push(format!(
                    "{} holds the same certificate as {first}; packed once",
                    s.origin
                ));
                false
            }
            None => {
                seen.insert(f.sha256.clone(), s.origin.clone());
                true
            }
        });

        let classified: Vec<_> = items
            .into_iter()
            .map(|(facts, s)| (classify(&facts), facts, s))
            .collect();
        let names = names(
            &classified
                .iter()
                .map(|(c, f, _)| (c.cert_type, f))
                .collect::<Vec<_>>(),
        );
        let candidates: Vec<Candidate> = classified
            .iter()
            .map(|(c, f, _)| Candidate {
                cert_type: c.cert_type,
                not_before: f.not_before,
            })
            .collect();
        let selector = Selector::new(&candidates);
        let mut entries: Vec<Entry> = classified
            .into_iter()
            .zip(names)
            .zip(&candidates)
            .map(|(((classification, facts, s), name), cand)| Entry {
                archives: Selection::ALL
                    .into_iter()
                    .filter_map(|sel| {
                        selector.reason(sel, cand).map(|reason| Placement {
                            archive: archive_name(sel),
                            reason,
                        })
                    })
                    .collect(),
                excluded: selector.exclusion(cand),
                name,
                classification,
                origin: s.origin,
                facts,
                identity: s.identity,
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));

        for e in &entries {
            for unfit in e.classification.cert_type.misfits(&e.facts) {
                warnings.push(format!(
                    "{} ({}): {unfit}; packed anyway, as the provider classifies by keyUsage alone",
                    e.name, e.origin
                ));
            }
            if e.facts.not_after < at {
                warnings.push(format!(
                    "{} ({}) expired {}; packed anyway, as the provider does not filter on expiry",
                    e.name,
                    e.origin,
                    e.facts.not_after.date()
                ));
            }
        }
        if !entries
            .iter()
            .any(|e| e.classification.cert_type == CertType::Encryption)
        {
            warnings
                .push("no encryption identity: a consumer could not read encrypted mail".into());
        }
        if entries.is_empty() {
            return Err(Error::NoIdentities);
        }
        Ok(Plan { entries, warnings })
    }

    /// The entries of one selection, in name order.
    pub fn selection(&self, selection: Selection) -> Vec<&Entry> {
        let archive = archive_name(selection);
        self.entries
            .iter()
            .filter(|e| e.archives.iter().any(|p| p.archive == archive))
            .collect()
    }

    /// Writes the pack under `dir` (which must exist): `<Folder>.zip` per non-empty
    /// selection (and, 2025, `<Folder>/` with the same files), `p12/<name>`, `password`
    /// (0600) and `manifest.json`.
    #[expect(
        clippy::expect_used,
        reason = "serializing or encoding values built in memory cannot fail"
    )]
    pub fn write(
        &self,
        dir: &Path,
        options: PackOptions,
        password: &Password,
    ) -> Result<Manifest, Error> {
        let write_options = WriteOptions::new(options.suite).friendly_name(FRIENDLY_NAME);
        let mut files: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
        for e in &self.entries {
            // The leaf alone, as the provider serves it: no chain.
            let leaf = Identity::new(
                e.identity.key().to_owned(),
                e.identity.certificate().clone(),
            )?;
            files.insert(&e.name, leaf.to_pkcs12(password, &write_options)?);
        }
        let p12_dir = dir.join("p12");
        pbkit_outfile::create_dir(&p12_dir, Perm::Secret)?;
        for (name, bytes) in &files {
            pbkit_outfile::write(p12_dir.join(name), bytes, Perm::Secret)?;
        }
        let mut archives = Vec::new();
        for sel in Selection::ALL {
            let members: Vec<&str> = self
                .selection(sel)
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            if members.is_empty() {
                continue;
            }
            let name = archive_name(sel);
            let zip = zip_of(&members, &files)?;
            pbkit_outfile::write(dir.join(&name), &zip, Perm::Secret)?;
            // The folder a 2025 `select.*` UTI shows, its files as the `-p12` companion
            // opens them.
            let folder = (options.format == Format::V2025).then(|| sel.folder().to_string());
            if let Some(folder) = &folder {
                let path = dir.join(folder);
                pbkit_outfile::create_dir(&path, Perm::Secret)?;
                for member in &members {
                    pbkit_outfile::write(path.join(member), &files[member], Perm::Secret)?;
                }
            }
            archives.push(ArchiveManifest {
                name,
                folder,
                selection: sel,
                entries: members.iter().map(|s| s.to_string()).collect(),
            });
        }
        pbkit_outfile::write(
            dir.join("password"),
            password.as_str().as_bytes(),
            Perm::Secret,
        )?;
        let manifest = Manifest {
            format: options.format,
            suite: options.suite,
            friendly_name: FRIENDLY_NAME,
            archives,
            entries: self.entries.iter().map(EntryManifest::of).collect(),
            warnings: self.warnings.clone(),
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
        pbkit_outfile::write(dir.join("manifest.json"), &json, Perm::Public)?;
        Ok(manifest)
    }
}

/// `All User` → `All User.zip`.
pub fn archive_name(selection: Selection) -> String {
    format!("{}.zip", selection.folder())
}

/// `{label}_{SERIAL}.p12`; identities that would share a name (same type and serial,
/// different certificates) all get `_{first 8 hex of their SHA-256}` appended, more
/// digits if those collide too, so no name depends on which input came first.
fn names(items: &[(CertType, &Facts)]) -> Vec<String> {
    let base: Vec<String> = items
        .iter()
        .map(|(t, f)| format!("{}_{}", t.label(), f.serial))
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &base {
        *count.entry(b).or_default() += 1;
    }
    items
        .iter()
        .zip(&base)
        .map(|((_, f), b)| {
            if count[b.as_str()] == 1 {
                return format!("{b}.p12");
            }
            let group: Vec<&str> = items
                .iter()
                .zip(&base)
                .filter(|(_, other)| *other == b)
                .map(|((_, g), _)| g.sha256.as_str())
                .collect();
            let digits = [8, 16, 64]
                .into_iter()
                .find(|&n| {
                    group.iter().map(|h| &h[..n]).collect::<HashSet<_>>().len() == group.len()
                })
                .unwrap_or(64);
            format!("{b}_{}.p12", &f.sha256[..digits])
        })
        .collect()
}

fn zip_of(members: &[&str], files: &BTreeMap<&str, Vec<u8>>) -> Result<Vec<u8>, Error> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Stored, with a fixed timestamp: the archive depends only on its entries.
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    for m in members {
        w.start_file(*m, opts).map_err(Error::Zip)?;
        w.write_all(&files[m]).map_err(|e| Error::Zip(e.into()))?;
    }
    Ok(w.finish().map_err(Error::Zip)?.into_inner())
}

/// `manifest.json` of a pack.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The provider generation imitated.
    pub format: Format,
    /// The PKCS#12 suite of every file.
    pub suite: Suite,
    /// friendlyName of every bag.
    pub friendly_name: &'static str,
    /// Every archive written.
    pub archives: Vec<ArchiveManifest>,
    /// Every identity.
    pub entries: Vec<EntryManifest>,
    /// Warnings that did not stop the pack.
    pub warnings: Vec<String>,
}

/// A written pack as `keyshare pack` reports it: what was packed, then each archive (a
/// 2025 pack's `select.*` folder beside it) with its entries, then the password file.
pub struct PackReport<'a> {
    /// The pack.
    pub manifest: &'a Manifest,
    /// Where it was written.
    pub out: &'a Path,
}

impl std::fmt::Display for PackReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.manifest;
        let n = m.entries.len();
        writeln!(
            f,
            "packed {n} {} into {} ({} format, suite {}, friendlyName {})",
            if n == 1 { "identity" } else { "identities" },
            self.out.display(),
            m.format,
            m.suite,
            m.friendly_name
        )?;
        // `All.zip` (legacy) or `All.zip, All/` (2025: the select.* folder too).
        let names: Vec<String> = m
            .archives
            .iter()
            .map(|a| match &a.folder {
                Some(folder) => format!("{}, {folder}/", a.name),
                None => a.name.clone(),
            })
            .collect();
        let width = names.iter().map(String::len).max().unwrap_or(0).max(8);
        for (name, archive) in names.iter().zip(&m.archives) {
            writeln!(f, "  {name:<width$} {}", archive.entries.join(", "))?;
        }
        writeln!(
            f,
            "  {:<width$} {}/password (mode 0600)",
            "password",
            self.out.display()
        )
    }
}

/// One archive.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveManifest {
    /// File name.
    pub name: String,
    /// The folder holding the same files (2025 packs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The selection it answers.
    pub selection: Selection,
    /// Entry names, in archive order.
    pub entries: Vec<String>,
}

/// One identity.
#[derive(Debug, Clone, Serialize)]
pub struct EntryManifest {
    /// File name in archives and under `p12/`.
    pub name: String,
    /// Type and deciding rule.
    #[serde(flatten)]
    pub classification: Classification,
    /// Subject, issuer, serial, validity and SHA-256; the SHA-256 (uppercase hex) is the
    /// label a consumer's keychain gives the identity.
    #[serde(flatten)]
    pub certificate: Summary,
    /// The input it was read from.
    pub source: String,
    /// Archives holding it, and why.
    pub archives: Vec<Placement>,
    /// Why it is only in Unfiltered, when that is so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
}

impl EntryManifest {
    fn of(e: &Entry) -> EntryManifest {
        EntryManifest {
            name: e.name.clone(),
            classification: e.classification,
            certificate: e.facts.clone().into(),
            source: e.origin.clone(),
            archives: e.archives.clone(),
            excluded: e.excluded.clone(),
        }
    }
}
