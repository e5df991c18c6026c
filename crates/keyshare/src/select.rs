//! Which identities each selection offers (contract §2), with the reason.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::CertType;

/// A selection: one archive of a pack, one family of UTIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Every type, recency rule applied (encryption: all).
    All,
    /// Every type but device, recency rule applied.
    AllUser,
    /// PIV authentication, most recent.
    Piv,
    /// Signature, most recent.
    Signature,
    /// Encryption, all.
    Encryption,
    /// Device, most recent.
    Device,
    /// Every identity of every type, no recency rule.
    Unfiltered,
}

impl Selection {
    /// Every selection, in the order of the contract.
    pub const ALL: [Selection; 7] = [
        Selection::All,
        Selection::AllUser,
        Selection::Piv,
        Selection::Signature,
        Selection::Encryption,
        Selection::Device,
        Selection::Unfiltered,
    ];

    /// The folder / archive name (`All User` → `All User.zip`).
    pub fn folder(self) -> &'static str {
        match self {
            Selection::All => "All",
            Selection::AllUser => "All User",
            Selection::Piv => "PIV",
            Selection::Signature => "Signature",
            Selection::Encryption => "Encryption",
            Selection::Device => "Device",
            Selection::Unfiltered => "Unfiltered",
        }
    }

    /// The UTI suffix (`purebred2025.select.<suffix>`).
    pub fn uti_suffix(self) -> &'static str {
        match self {
            Selection::All => "all",
            Selection::AllUser => "all-user",
            Selection::Piv => "authentication",
            Selection::Signature => "signature",
            Selection::Encryption => "encryption",
            Selection::Device => "device",
            Selection::Unfiltered => "no-filter",
        }
    }

    /// What it offers, in words.
    pub fn description(self) -> &'static str {
        match self {
            Selection::All => "all types, most recent (encryption: all)",
            Selection::AllUser => "all but device, most recent (encryption: all)",
            Selection::Piv => "PIV authentication, most recent",
            Selection::Signature => "signature, most recent",
            Selection::Encryption => "encryption, all",
            Selection::Device => "device, most recent",
            Selection::Unfiltered => "everything",
        }
    }

    /// Whether this selection offers identities of `t` at all.
    fn offers(self, t: CertType) -> bool {
        use CertType::*;
        match self {
            Selection::Unfiltered => true,
            Selection::All => t != Unknown,
            Selection::AllUser => !matches!(t, Unknown | Device),
            Selection::Piv => t == Authentication,
            Selection::Signature => t == Signature,
            Selection::Encryption => t == Encryption,
            Selection::Device => t == Device,
        }
    }
}

/// What a selection needs to know of an identity.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Its type.
    pub cert_type: CertType,
    /// Its certificate's notBefore.
    pub not_before: OffsetDateTime,
}

/// The recency rule over a set of identities: the latest notBefore of each type.
pub struct Selector {
    latest: HashMap<CertType, OffsetDateTime>,
}

impl Selector {
    /// Prepares the rule for these candidates.
    pub fn new(candidates: &[Candidate]) -> Selector {
        let mut latest: HashMap<CertType, OffsetDateTime> = HashMap::new();
        for c in candidates {
            let e = latest.entry(c.cert_type).or_insert(c.not_before);
            *e = (*e).max(c.not_before);
        }
        Selector { latest }
    }

    /// Why `c` is in `selection`, or `None` when it is not.
    pub fn reason(&self, selection: Selection, c: &Candidate) -> Option<String> {
        if !selection.offers(c.cert_type) {
            return None;
        }
        if selection == Selection::Unfiltered {
            return Some("unfiltered: every identity".into());
        }
        if c.cert_type == CertType::Encryption {
            return Some(
                "every encryption identity is offered (old mail must stay readable)".into(),
            );
        }
        (self.latest.get(&c.cert_type) == Some(&c.not_before)).then(|| {
            format!(
                "most recent {} (notBefore {})",
                c.cert_type.label(),
                date(c.not_before)
            )
        })
    }

    /// Why `c` is in no selection but Unfiltered, when that is so.
    pub fn exclusion(&self, c: &Candidate) -> Option<String> {
        match c.cert_type {
            CertType::Unknown => Some("unknown type: offered only unfiltered".into()),
            CertType::Encryption => None,
            t => {
                let latest = self.latest.get(&t).copied()?;
                (latest != c.not_before).then(|| {
                    format!(
                        "superseded by a newer {} (notBefore {})",
                        t.label(),
                        date(latest)
                    )
                })
            }
        }
    }
}

fn date(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use CertType::*;

    fn c(cert_type: CertType, day: u8) -> Candidate {
        Candidate {
            cert_type,
            not_before: datetime!(2018-01-01 0:00 UTC) + time::Duration::days(day.into()),
        }
    }

    fn members(sel: Selection, cs: &[Candidate]) -> Vec<usize> {
        let s = Selector::new(cs);
        (0..cs.len())
            .filter(|&i| s.reason(sel, &cs[i]).is_some())
            .collect()
    }

    #[test]
    fn recency_ties_are_all_kept_and_encryption_is_never_filtered() {
        let cs = [
            c(Signature, 1),
            c(Signature, 5),
            c(Signature, 5),
            c(Encryption, 1),
            c(Encryption, 5),
            c(Device, 2),
            c(Device, 3),
            c(Authentication, 4),
            c(Unknown, 9),
        ];
        assert_eq!(members(Selection::All, &cs), [1, 2, 3, 4, 6, 7]);
        assert_eq!(members(Selection::AllUser, &cs), [1, 2, 3, 4, 7]);
        assert_eq!(members(Selection::Signature, &cs), [1, 2]);
        assert_eq!(members(Selection::Encryption, &cs), [3, 4]);
        assert_eq!(members(Selection::Device, &cs), [6]);
        assert_eq!(members(Selection::Piv, &cs), [7]);
        assert_eq!(
            members(Selection::Unfiltered, &cs),
            (0..9).collect::<Vec<_>>()
        );
        let s = Selector::new(&cs);
        assert!(s.exclusion(&cs[0]).unwrap().starts_with("superseded"));
        assert!(s.exclusion(&cs[8]).unwrap().starts_with("unknown"));
        assert!(s.exclusion(&cs[3]).is_none());
    }
}
