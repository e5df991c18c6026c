//! Opening a pack as a consuming app would (contract §5).

use std::io::Read;

use pbkit_pkcs12::{inspect, Identity, IosVerdict, Password};
use pbkit_pki::Summary;
use serde::Serialize;

use crate::{classify, Classification, Error};

/// What a consuming app would import from one file.
#[derive(Debug, Serialize)]
pub struct Imported {
    /// The entry name (or the file name for a single p12).
    pub name: String,
    /// Type and deciding rule; `None` when the entry did not open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// The certificate; its SHA-256 is the keychain label the consumer uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Summary>,
    /// Whether SecPKCS12Import is expected to take it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ios: Option<IosVerdict>,
    /// What is wrong, if anything (the consumer's import would fail or mislead).
    pub problems: Vec<String>,
}

/// The most entries a pack may hold: Purebred's largest pack holds every identity of a
/// user, a few dozen.
pub const MAX_ENTRIES: usize = 256;

/// The most one pack may inflate to, over all its entries.
pub const MAX_INFLATED: u64 = 64 << 20;

/// The most an entry may inflate to per byte stored: PKCS#12 files are encrypted, so
/// they do not compress (a real pack's entries are stored at ~1:1).
pub const MAX_RATIO: u64 = 100;

/// Opens a zip pack or a single PKCS#12 with the pack password. A zip is checked before
/// anything is inflated: at most [`MAX_ENTRIES`] entries, each at most
/// [`pbkit_pkcs12::FILE_LIMIT`] and [`MAX_RATIO`] times its stored size, [`MAX_INFLATED`]
/// in all; sizes are enforced while inflating too (a header can lie).
pub fn open(bytes: &[u8], name: &str, password: &Password) -> Result<Vec<Imported>, Error> {
    if !bytes.starts_with(b"PK") {
        return Ok(vec![import(name, bytes, password)]);
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(Error::Zip)?;
    let refuse = |detail: String| Error::ZipLimit {
        archive: name.to_string(),
        detail,
    };
    if zip.len() > MAX_ENTRIES {
        return Err(refuse(format!(
            "{} entries, more than the {MAX_ENTRIES} a pack may hold",
            zip.len()
        )));
    }
    let entry_limit = pbkit_pkcs12::FILE_LIMIT.bytes;
    let mut inflated = 0u64;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let file = zip.by_index(i).map_err(Error::Zip)?;
        if file.is_dir() {
            continue;
        }
        let entry_name = file.name().map_err(Error::Zip)?.to_string();
        let (size, stored) = (file.size(), file.compressed_size());
        if size > entry_limit {
            return Err(refuse(format!(
                "{entry_name}: inflates to {size} bytes, more than {} (not a PKCS#12)",
                pbkit_pkcs12::FILE_LIMIT
            )));
        }
        if size > 64 << 10 && size / stored.max(1) > MAX_RATIO {
            return Err(refuse(format!(
                "{entry_name}: inflates {}-fold ({stored} to {size} bytes); a PKCS#12 does not compress",
                size / stored.max(1)
            )));
        }
        inflated += size;
        if inflated > MAX_INFLATED {
            return Err(refuse(format!(
                "inflates to more than {} MiB in all",
                MAX_INFLATED >> 20
            )));
        }
        let mut data = Vec::new();
        file.take(size + 1)
            .read_to_end(&mut data)
            .map_err(|e| Error::Zip(e.into()))?;
        if data.len() as u64 > size {
            return Err(refuse(format!(
                "{entry_name}: inflates to more than the {size} bytes its header says"
            )));
        }
        let mut imported = import(&entry_name, &data, password);
        if !entry_name.ends_with(".p12") {
            imported.problems.push("entry is not named *.p12".into());
        }
        out.push(imported);
    }
    if out.is_empty() {
        return Err(Error::EmptyArchive(name.into()));
    }
    Ok(out)
}

/// Opens what an app receives at `path`: a `select.*` folder (a folder, not followed
/// through a link: [`open_folder`]), or a pack archive or PKCS#12 file ([`open`], named
/// by its file name).
pub fn open_path(path: &std::path::Path, password: &Password) -> Result<Vec<Imported>, Error> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return open_folder(path, password);
    }
    let bytes = pbkit_infile::read(path, crate::FILE_LIMIT)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    open(&bytes, &name, password)
}

/// Opens a folder as a consuming app receives it through a 2025 `select.*` UTI and its
/// `-p12` companion: every `*.p12` file in it, each with the pack password. A file of
/// another name, or a subfolder, is named as a problem (the companion does not open it).
/// At most [`MAX_ENTRIES`] files, each read up to [`pbkit_pkcs12::FILE_LIMIT`]; symbolic
/// links are not followed.
pub fn open_folder(dir: &std::path::Path, password: &Password) -> Result<Vec<Imported>, Error> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        names.push((entry.file_name(), entry.file_type().map_err(io)?));
        if names.len() > MAX_ENTRIES {
            return Err(Error::ZipLimit {
                archive: dir.display().to_string(),
                detail: format!("more than the {MAX_ENTRIES} files a selection may hold"),
            });
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, kind) in names {
        let name_text = name.to_string_lossy().into_owned();
        if !kind.is_file() {
            out.push(Imported::refused(
                &name_text,
                "not a regular file: the -p12 companion UTI opens p12 files only",
            ));
            continue;
        }
        if !name_text.ends_with(".p12") {
            out.push(Imported::refused(
                &name_text,
                "not named *.p12: the -p12 companion UTI does not open it",
            ));
            continue;
        }
        let bytes = pbkit_infile::read(&dir.join(&name), pbkit_pkcs12::FILE_LIMIT)?;
        out.push(import(&name_text, &bytes, password));
    }
    if out.is_empty() {
        return Err(Error::EmptyArchive(dir.display().to_string()));
    }
    Ok(out)
}

/// What `open` found, as `pbkit keyshare open` prints it: each entry's type, serial,
/// subject and keychain label, its problems, then how many would import cleanly.
pub struct OpenReport<'a>(pub &'a [Imported]);

impl std::fmt::Display for OpenReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for i in self.0 {
            match (&i.classification, &i.certificate) {
                (Some(c), Some(cert)) => {
                    writeln!(
                        f,
                        "{}: {} identity, serial {}, {}",
                        i.name,
                        c.cert_type.label(),
                        cert.serial,
                        cert.subject
                    )?;
                    writeln!(f, "  keychain label {}", cert.sha256)?;
                }
                _ => writeln!(f, "{}: not importable", i.name)?,
            }
            for p in &i.problems {
                writeln!(f, "  problem: {p}")?;
            }
        }
        let clean = self.0.iter().filter(|i| i.problems.is_empty()).count();
        writeln!(
            f,
            "{clean} of {} entries would import cleanly",
            self.0.len()
        )
    }
}

impl Imported {
    /// An entry, nothing known of it yet.
    fn named(name: &str) -> Imported {
        Imported {
            name: name.into(),
            classification: None,
            certificate: None,
            ios: None,
            problems: Vec::new(),
        }
    }

    /// An entry not imported, for `problem`.
    fn refused(name: &str, problem: &str) -> Imported {
        let mut imported = Imported::named(name);
        imported.problems.push(problem.into());
        imported
    }
}

fn import(name: &str, der: &[u8], password: &Password) -> Imported {
    let mut imported = Imported::named(name);
    match Identity::from_pkcs12(der, password) {
        Err(e) => imported.problems.push(e.to_string()),
        Ok(identity) => match identity.certificate().facts() {
            Err(e) => imported.problems.push(e.to_string()),
            Ok(facts) => {
                let c = classify(&facts);
                let expected = format!("{}_{}", c.cert_type.label(), facts.serial);
                if name.ends_with(".p12") && !name.starts_with(&expected) {
                    imported.problems.push(format!(
                        "name does not match the certificate: expected {expected}*.p12"
                    ));
                }
                for unfit in c.cert_type.misfits(&facts) {
                    imported.problems.push(format!("iOS Mail: {unfit}"));
                }
                if !identity.chain().is_empty() {
                    imported.problems.push(format!(
                        "holds {} extra certificates; the provider serves the leaf alone",
                        identity.chain().len()
                    ));
                }
                imported.classification = Some(c);
                imported.certificate = Some(facts.into());
            }
        },
    }
    if let Ok(report) = inspect(der, None) {
        if report.ios.import != pbkit_pkcs12::IosImport::Works {
            imported
                .problems
                .push(format!("iOS import: {}", report.ios.reason));
        }
        imported.ios = Some(report.ios);
    }
    imported
}
