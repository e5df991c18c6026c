//! Uniform type identifiers (contract §4): the table, parsing, and the Info.plist fragment.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::Selection;

/// Legacy key sharing or key sharing 2025: deliberately incompatible UTI families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// `purebred.*` and `com.rsa.pkcs-12`; password on the pasteboard.
    #[serde(rename = "legacy")]
    Legacy,
    /// `purebred2025.*`; password from the `red.hound.KeySharingPassword-v1.0.0` service.
    #[serde(rename = "2025")]
    V2025,
}

impl Format {
    /// `legacy` or `2025`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Legacy => "legacy",
            Format::V2025 => "2025",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Format::Legacy => "purebred",
            Format::V2025 => "purebred2025",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not a key-sharing format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key-sharing format {0:?} (expected 2025 or legacy)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s {
            "legacy" => Ok(Format::Legacy),
            "2025" => Ok(Format::V2025),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// What a UTI asks the provider for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "selection")]
pub enum UtiKind {
    /// Every identity as a plain PKCS#12 at the root.
    Pkcs12,
    /// A selection (2025: a folder; legacy: the files themselves).
    Select(Selection),
    /// 2025 only: the companion that opens the files inside a `select` folder.
    SelectP12(Selection),
    /// A selection delivered as one zip.
    Zip(Selection),
}

/// One UTI of one format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Uti {
    /// Its family.
    pub format: Format,
    /// What it asks for.
    pub kind: UtiKind,
}

/// A UTI could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a Purebred key-sharing UTI")]
pub struct UnknownUti(pub String);

impl Uti {
    /// The identifier, e.g. `purebred2025.select.all-user-p12`.
    pub fn identifier(&self) -> String {
        let p = self.format.prefix();
        match (self.kind, self.format) {
            (UtiKind::Pkcs12, Format::Legacy) => "com.rsa.pkcs-12".into(),
            (UtiKind::Pkcs12, Format::V2025) => format!("{p}.rsa.pkcs-12"),
            (UtiKind::Select(s), _) => format!("{p}.select.{}", s.uti_suffix()),
            (UtiKind::SelectP12(s), _) => format!("{p}.select.{}-p12", s.uti_suffix()),
            (UtiKind::Zip(s), _) => format!("{p}.zip.{}", s.uti_suffix()),
        }
    }

    /// The type it conforms to, as the provider declares it.
    pub fn conforms_to(&self) -> &'static str {
        match (self.kind, self.format) {
            (UtiKind::Pkcs12, Format::Legacy) => "public.data",
            (UtiKind::Pkcs12 | UtiKind::SelectP12(_), _) => "com.rsa.pkcs-12",
            (UtiKind::Select(_), Format::V2025) => "public.folder",
            (UtiKind::Select(_), Format::Legacy) => "public.data",
            (UtiKind::Zip(_), _) => "public.zip-archive",
        }
    }

    /// What the provider answers with, in words.
    pub fn selects(&self) -> String {
        match self.kind {
            UtiKind::Pkcs12 => "every identity as a plain p12 at the root".into(),
            UtiKind::Select(s) if self.format == Format::V2025 => {
                format!("folder \"{}\": {}", s.folder(), s.description())
            }
            UtiKind::Select(s) => s.description().into(),
            UtiKind::SelectP12(s) => format!("opens the p12 files in folder \"{}\"", s.folder()),
            UtiKind::Zip(s) => format!("{}.zip: {}", s.folder(), s.description()),
        }
    }

    /// Every UTI of a format, in table order.
    pub fn table(format: Format) -> Vec<Uti> {
        let mut kinds = vec![UtiKind::Pkcs12];
        for s in Selection::ALL {
            kinds.push(UtiKind::Select(s));
            if format == Format::V2025 {
                kinds.push(UtiKind::SelectP12(s));
            }
        }
        kinds.extend(Selection::ALL.map(UtiKind::Zip));
        kinds.into_iter().map(|kind| Uti { format, kind }).collect()
    }

    /// Parses a UTI. Deprecated underscore spellings (`all_user`, `no_filter`) are
    /// accepted; the second value is then a warning to show.
    pub fn parse(s: &str) -> Result<(Uti, Option<String>), UnknownUti> {
        let normalized = s
            .replace("all_user", "all-user")
            .replace("no_filter", "no-filter");
        let warning = (normalized != s)
            .then(|| format!("{s} uses a deprecated underscore spelling; use {normalized}"));
        [Format::V2025, Format::Legacy]
            .into_iter()
            .flat_map(Uti::table)
            .find(|u| u.identifier() == normalized)
            .map(|u| (u, warning))
            .ok_or_else(|| UnknownUti(s.into()))
    }

    /// What an app that asks for this UTI must declare: the UTI itself and, for a 2025
    /// `select.*` folder, its `-p12` companion (without which the folder's files do not
    /// open).
    pub fn declared_with(self) -> Vec<Uti> {
        match (self.kind, self.format) {
            (UtiKind::Select(s), Format::V2025) => vec![
                self,
                Uti {
                    kind: UtiKind::SelectP12(s),
                    ..self
                },
            ],
            _ => vec![self],
        }
    }

    /// The archive of a pack that answers this UTI (`None`: the plain p12 files).
    pub fn selection(&self) -> Option<Selection> {
        match self.kind {
            UtiKind::Pkcs12 => None,
            UtiKind::Select(s) | UtiKind::SelectP12(s) | UtiKind::Zip(s) => Some(s),
        }
    }
}

/// UTIs as `pbkit keyshare utis` lists them: one aligned row each (identifier, the type
/// it conforms to, what it selects); as JSON, an array of rows.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct UtiTable(pub Vec<UtiRow>);

/// One row of a [`UtiTable`].
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct UtiRow {
    /// [`Uti::identifier`].
    pub uti: String,
    /// [`Uti::conforms_to`].
    pub conforms_to: &'static str,
    /// [`Uti::selects`].
    pub selects: String,
    /// The archive of a pack that answers it (`None`: the plain p12 files).
    pub archive: Option<String>,
}

impl UtiTable {
    /// The rows of `utis`, in their order.
    pub fn of(utis: &[Uti]) -> UtiTable {
        UtiTable(
            utis.iter()
                .map(|u| UtiRow {
                    uti: u.identifier(),
                    conforms_to: u.conforms_to(),
                    selects: u.selects(),
                    archive: u.selection().map(crate::archive_name),
                })
                .collect(),
        )
    }
}

impl fmt::Display for UtiTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.0.iter().map(|r| r.uti.len()).max().unwrap_or(0);
        for r in &self.0 {
            writeln!(f, "{:<width$}  {:<18}  {}", r.uti, r.conforms_to, r.selects)?;
        }
        Ok(())
    }
}

/// The `UTImportedTypeDeclarations` a consuming app puts in its Info.plist for `utis`
/// (each once, in the order given; [`Uti::table`] for every UTI of a format, or a
/// selection's [`Uti::declared_with`]), as a complete XML plist (a dictionary with that one
/// key) to copy from.
///
/// `com.rsa.pkcs-12` is declared by iOS itself and is not imported.
#[expect(
    clippy::expect_used,
    reason = "serializing or encoding values built in memory cannot fail"
)]
pub fn info_plist(utis: &[Uti]) -> Vec<u8> {
    use plist::{Dictionary, Value};
    let mut seen = std::collections::HashSet::new();
    let decls: Vec<Value> = utis
        .iter()
        .filter(|u| u.identifier() != "com.rsa.pkcs-12" && seen.insert(u.identifier()))
        .map(|u| {
            let mut d = Dictionary::new();
            d.insert("UTTypeIdentifier".into(), u.identifier().into());
            d.insert(
                "UTTypeConformsTo".into(),
                Value::Array(vec![u.conforms_to().into()]),
            );
            d.insert(
                "UTTypeDescription".into(),
                format!("Purebred key sharing: {}", u.selects()).into(),
            );
            let ext = match u.conforms_to() {
                "com.rsa.pkcs-12" => Some("p12"),
                "public.zip-archive" => Some("zip"),
                _ => None,
            };
            if let Some(ext) = ext {
                let mut tags = Dictionary::new();
                tags.insert(
                    "public.filename-extension".into(),
                    Value::Array(vec![ext.into()]),
                );
                d.insert("UTTypeTagSpecification".into(), Value::Dictionary(tags));
            }
            Value::Dictionary(d)
        })
        .collect();
    let mut root = Dictionary::new();
    root.insert("UTImportedTypeDeclarations".into(), Value::Array(decls));
    let mut out = Vec::new();
    plist::to_writer_xml(&mut out, &Value::Dictionary(root)).expect("writing to a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_contracts_sizes_and_spellings() {
        let v2025 = Uti::table(Format::V2025);
        assert_eq!(v2025.len(), 1 + 7 * 2 + 7);
        let ids: Vec<_> = v2025.iter().map(Uti::identifier).collect();
        assert!(ids.contains(&"purebred2025.select.signature-p12".to_string()));
        assert!(ids.contains(&"purebred2025.zip.no-filter".to_string()));
        assert!(
            ids.iter().all(|i| !i.contains('_')),
            "never emit underscores"
        );
        let legacy: Vec<_> = Uti::table(Format::Legacy)
            .iter()
            .map(Uti::identifier)
            .collect();
        assert_eq!(legacy.len(), 15);
        assert_eq!(legacy[0], "com.rsa.pkcs-12");
        assert!(legacy.contains(&"purebred.select.authentication".to_string()));
    }

    #[test]
    fn parse_round_trips_and_warns_on_underscores() {
        for f in [Format::V2025, Format::Legacy] {
            for u in Uti::table(f) {
                assert_eq!(Uti::parse(&u.identifier()).unwrap(), (u, None));
            }
        }
        let (u, w) = Uti::parse("purebred.zip.all_user").unwrap();
        assert_eq!(u.identifier(), "purebred.zip.all-user");
        assert!(w.unwrap().contains("deprecated"));
        assert_eq!(
            Uti::parse("purebred3000.select.all"),
            Err(UnknownUti("purebred3000.select.all".into()))
        );
    }

    #[test]
    fn info_plist_is_a_plist_with_the_imports() {
        let xml = info_plist(&Uti::table(Format::V2025));
        let v: plist::Value = plist::from_bytes(&xml).unwrap();
        let decls = v.as_dictionary().unwrap()["UTImportedTypeDeclarations"]
            .as_array()
            .unwrap();
        assert_eq!(decls.len(), 22);
        let legacy =
            plist::from_bytes::<plist::Value>(&info_plist(&Uti::table(Format::Legacy))).unwrap();
        assert_eq!(
            legacy.as_dictionary().unwrap()["UTImportedTypeDeclarations"]
                .as_array()
                .unwrap()
                .len(),
            14
        );
    }
}
