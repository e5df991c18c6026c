//! Pushing local profiles to Jamf Pro so that devices keep one profile per identity.
//!
//! A profile is matched to Jamf Pro's by name, then by PayloadIdentifier. An update
//! carries Jamf Pro's top-level PayloadUUID and PayloadIdentifier back: with others,
//! devices would install a second, "ghost" profile beside the first. After every write
//! the profile is read back, and the push fails unless every reference (S/MIME identity,
//! certificate) still resolves and nothing but UUIDs changed.

use std::collections::{HashMap, HashSet};

use pbkit_profile::diff::{diff_sides, Diff, Side};
use plist::{Dictionary, Value};
use serde::Serialize;

use crate::classic::{ProfileBody, ProfileKey, Scope};
use crate::{Client, Error};

/// A local profile, ready to push.
#[derive(Debug, Clone)]
pub struct LocalProfile {
    /// Its file, for messages.
    pub origin: String,
    /// Whether the file was signed (the signature is dropped: Jamf Pro signs on delivery).
    pub was_signed: bool,
    /// PayloadIdentifier.
    pub identifier: String,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    top: Dictionary,
}

impl LocalProfile {
    /// Reads a profile, signed or not.
    pub fn read(bytes: &[u8], origin: &str) -> Result<LocalProfile, Error> {
        let bad = |source| Error::Profile {
            origin: origin.to_string(),
            source,
        };
        let was_signed = pbkit_profile::is_signed(bytes);
        let plist = pbkit_profile::verify(bytes, &[])
            .into_content()
            .map_err(|e| bad(pbkit_profile::Error::Invalid(e)))?;
        let top = pbkit_profile::model::top_dictionary(&plist).map_err(bad)?;
        let text = |k: &str| top.get(k).and_then(Value::as_string).map(str::to_string);
        let identifier = text("PayloadIdentifier")
            .ok_or_else(|| bad(pbkit_profile::Error::Missing("PayloadIdentifier")))?;
        Ok(LocalProfile {
            origin: origin.to_string(),
            was_signed,
            display_name: text("PayloadDisplayName"),
            identifier,
            top,
        })
    }

    /// The name a profile gets in Jamf Pro unless told: its PayloadDisplayName, else its
    /// PayloadIdentifier.
    pub fn default_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.identifier)
    }

    /// Whether a PKCS#12 payload leaves its password out (the device asks for it): then
    /// its bytes matter, since the password its user was given opens only those.
    fn password_apart(&self) -> bool {
        let Some(Value::Array(payloads)) = self.top.get("PayloadContent") else {
            return false;
        };
        payloads.iter().filter_map(Value::as_dictionary).any(|p| {
            p.get("PayloadType").and_then(Value::as_string) == Some("com.apple.security.pkcs12")
                && !p.contains_key("Password")
        })
    }

    /// The profile with Jamf Pro's top-level identifiers, when given.
    fn with_ids(&self, keep: Option<(&str, &str)>) -> Dictionary {
        let mut top = self.top.clone();
        if let Some((uuid, identifier)) = keep {
            top.insert("PayloadUUID".into(), uuid.into());
            top.insert("PayloadIdentifier".into(), identifier.into());
        }
        top
    }
}

/// A profile as plist XML, as the Classic API takes it.
fn xml(top: Dictionary) -> String {
    String::from_utf8_lossy(&pbkit_profile::model::xml(&Value::Dictionary(top))).into_owned()
}

/// One profile to push.
#[derive(Debug, Clone)]
pub struct PushRequest<'a> {
    /// The profile.
    pub profile: &'a LocalProfile,
    /// Its name in Jamf Pro.
    pub name: String,
    /// Its category (by name); `None` leaves an existing profile's as it is.
    pub category: Option<String>,
    /// Its scope; `None` leaves an existing profile's as it is (a new one is scoped to
    /// nobody).
    pub scope: Option<Scope>,
}

/// How a local profile found its Jamf Pro profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    /// Same name.
    Name,
    /// Same top-level PayloadIdentifier.
    Identifier,
}

/// What a push did, or (dry run) would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new profile was created.
    Created,
    /// The profile was replaced.
    Updated,
    /// The profile already held the same (payloads, name, category, scope): nothing sent.
    Unchanged,
    /// Dry run: would be created.
    WouldCreate,
    /// Dry run: would be replaced.
    WouldUpdate,
}

impl Action {
    /// Its status word in pbkit's JSON Lines and CSV reports: `ok` for what was done
    /// (created, updated, unchanged), `would-create` / `would-update` in a dry run.
    pub fn status(self) -> &'static str {
        match self {
            Action::Created | Action::Updated | Action::Unchanged => "ok",
            Action::WouldCreate => "would-create",
            Action::WouldUpdate => "would-update",
        }
    }
}

/// As printed: `created`, `would update`.
impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::WouldCreate => "would create",
            Action::WouldUpdate => "would update",
        })
    }
}

/// What one push did.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// The local file.
    pub file: String,
    /// The name in Jamf Pro.
    pub name: String,
    /// Jamf Pro's id (none for a dry-run create).
    pub id: Option<u64>,
    /// What was done.
    pub action: Action,
    /// How the Jamf Pro profile was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchedBy>,
    /// The file was signed; its content was sent (Jamf Pro signs on delivery).
    pub unsigned: bool,
    /// Jamf Pro's top-level PayloadUUID, kept on update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_uuid: Option<String>,
    /// Jamf Pro's top-level PayloadIdentifier, kept on update when it differs from the
    /// file's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_identifier: Option<String>,
    /// The profile's scope after the push (for an update without a scope: Jamf Pro's).
    pub scope: Scope,
    /// Changes of the name, category or scope in Jamf Pro (updates): `scope: A -> B`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<String>,
    /// From Jamf Pro's profile to the one pushed (updates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// The profiles differ only where the diff compares by meaning: a PKCS#12 repacked
    /// (new bytes, new password) around the same certificate. Left alone (unchanged),
    /// unless its password is not in the profile (then pushed: the user's new password
    /// opens only the new bytes).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repacked_only: bool,
}

/// What was done and why, one fact a line: `created "Exchange" (id 4): a.mobileconfig`,
/// how it was matched, the identifiers kept, the scope, the settings changed, the diff,
/// and what a repack-only difference meant. The alternate form (`{:#}`) also says, second,
/// that a signed file's content went unsigned (a caller of many reports says it once).
impl std::fmt::Display for PushReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.id.map(|id| format!(" (id {id})")).unwrap_or_default();
        writeln!(f, "{} {:?}{id}: {}", self.action, self.name, self.file)?;
        if self.unsigned && f.alternate() {
            writeln!(
                f,
                "  the file is signed: Jamf Pro gets its content unsigned (it signs on delivery)"
            )?;
        }
        if let Some(m) = self.matched_by {
            let by = match m {
                MatchedBy::Name => "name",
                MatchedBy::Identifier => "PayloadIdentifier",
            };
            writeln!(f, "  matched by {by}")?;
        }
        if let Some(uuid) = &self.kept_uuid {
            writeln!(f, "  kept the server's PayloadUUID {uuid}")?;
        }
        if let Some(identifier) = &self.kept_identifier {
            writeln!(f, "  kept the server's PayloadIdentifier {identifier}")?;
        }
        writeln!(f, "  scope: {}", self.scope)?;
        for s in &self.settings {
            writeln!(f, "  {s}")?;
        }
        if let Some(d) = self.diff.as_ref().filter(|d| !d.same) {
            write!(f, "{d}")?;
            if !d.to_string().ends_with('\n') {
                writeln!(f)?;
            }
        }
        match (self.repacked_only, self.action) {
            (false, _) => {}
            (true, Action::Unchanged) => writeln!(
                f,
                "  the same certificates, repacked (new PKCS#12 bytes and passwords): devices \
                 hold them already, left alone"
            )?,
            (true, _) => writeln!(
                f,
                "  the same certificates, repacked: replaced, since a PKCS#12 password is not \
                 in the profile and the user's new one opens only the new bytes"
            )?,
        }
        Ok(())
    }
}

/// Pushes profiles to one server, remembering what it learnt of the server's profiles.
pub struct Pusher<'c> {
    client: &'c Client,
    dry_run: bool,
    by_name: HashMap<String, u64>,
    /// Filled on the first profile no name matches: one read per server profile.
    by_identifier: Option<HashMap<String, u64>>,
    /// Jamf Pro profiles this run wrote: two local profiles must not land on one.
    claimed: HashSet<u64>,
}

impl<'c> Pusher<'c> {
    /// Starts a run: lists the server's profiles. A dry run writes nothing.
    pub fn new(client: &'c Client, dry_run: bool) -> Result<Pusher<'c>, Error> {
        let by_name = client
            .list_profiles()?
            .into_iter()
            .map(|p| (p.name, p.id))
            .collect();
        Ok(Pusher {
            client,
            dry_run,
            by_name,
            by_identifier: None,
            claimed: HashSet::new(),
        })
    }

    fn find(&mut self, req: &PushRequest<'_>) -> Result<Option<(u64, MatchedBy)>, Error> {
        if let Some(&id) = self.by_name.get(&req.name) {
            return Ok(Some((id, MatchedBy::Name)));
        }
        if self.by_identifier.is_none() {
            let mut index = HashMap::new();
            for &id in self.by_name.values() {
                let p = match self.client.get_profile(&ProfileKey::Id(id)) {
                    Ok(p) => p,
                    // Deleted since the list: not a match.
                    Err(Error::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                if let Ok(local) = LocalProfile::read(p.payloads.as_bytes(), "") {
                    index.insert(local.identifier, id);
                }
            }
            self.by_identifier = Some(index);
        }
        Ok(self
            .by_identifier
            .as_ref()
            .and_then(|m| m.get(&req.profile.identifier))
            .map(|&id| (id, MatchedBy::Identifier)))
    }

    /// Creates or updates one profile.
    pub fn push(&mut self, req: &PushRequest<'_>) -> Result<PushReport, Error> {
        let found = self.find(req)?;
        if let Some((id, _)) = found {
            if self.claimed.contains(&id) {
                return Err(Error::Conflict(format!(
                    "{}: Jamf Pro profile id {id} was already pushed in this run from \
                     another file (same name or PayloadIdentifier)",
                    req.profile.origin
                )));
            }
        }
        let mut report = PushReport {
            file: req.profile.origin.clone(),
            name: req.name.clone(),
            id: None,
            action: Action::WouldCreate,
            matched_by: found.map(|(_, m)| m),
            unsigned: req.profile.was_signed,
            kept_uuid: None,
            kept_identifier: None,
            scope: req.scope.clone().unwrap_or_default(),
            settings: Vec::new(),
            diff: None,
            repacked_only: false,
        };
        match found {
            None => self.create(req, report),
            Some((id, _)) => {
                report.id = Some(id);
                self.update(req, id, report)
            }
        }
    }

    fn create(
        &mut self,
        req: &PushRequest<'_>,
        mut report: PushReport,
    ) -> Result<PushReport, Error> {
        if self.dry_run {
            return Ok(report);
        }
        let xml = xml(req.profile.with_ids(None));
        // Unscoped until the read-back check passes: no device gets a profile Jamf broke.
        let body = ProfileBody {
            name: Some(&req.name),
            category: req.category.as_deref(),
            payloads: Some(&xml),
            scope: None,
        };
        let id = self.create_once(req, &body)?;
        self.by_name.insert(req.name.clone(), id);
        if let Some(index) = &mut self.by_identifier {
            index.insert(req.profile.identifier.clone(), id);
        }
        self.claimed.insert(id);
        report.id = Some(id);
        report.action = Action::Created;
        self.check(
            req,
            id,
            &xml,
            (None, &req.profile.identifier),
            CREATED_UNSCOPED,
        )?;
        if let Some(scope) = req.scope.as_ref().filter(|s| !s.is_empty()) {
            let body = ProfileBody {
                scope: Some(scope),
                ..ProfileBody::default()
            };
            self.client.update_profile(id, &body)?;
        }
        Ok(report)
    }

    /// Creates the profile, retrying a create that failed on the server's side or the
    /// network's: the create may have happened before the failure, so it looks for the
    /// name first and creates again only when nothing is there (one profile, never two).
    fn create_once(&self, req: &PushRequest<'_>, body: &ProfileBody<'_>) -> Result<u64, Error> {
        let mut attempt = 0;
        loop {
            let e = match self.client.create_profile(body) {
                Ok(id) => return Ok(id),
                Err(e) => e,
            };
            let Some((url, reason)) = e.transient().filter(|_| attempt < self.client.retries())
            else {
                return Err(e);
            };
            match self.client.get_profile(&ProfileKey::Name(req.name.clone())) {
                Ok(p) => return Ok(p.id),
                Err(Error::NotFound(_)) => {}
                Err(_) => return Err(e),
            }
            attempt += 1;
            let reason = format!("{reason}; not created");
            self.client
                .wait_to_retry("POST", url, reason, None, attempt)?;
        }
    }

    fn update(
        &mut self,
        req: &PushRequest<'_>,
        id: u64,
        mut report: PushReport,
    ) -> Result<PushReport, Error> {
        let server = self.client.get_profile(&ProfileKey::Id(id))?;
        let theirs = LocalProfile::read(server.payloads.as_bytes(), &format!("jamf:{id}"))?;
        let uuid = theirs
            .top
            .get("PayloadUUID")
            .and_then(Value::as_string)
            .map(str::to_string)
            .unwrap_or_else(|| server.uuid.clone());
        let identifier = theirs.identifier.clone();
        let ours = req.profile.with_ids(Some((&uuid, &identifier)));
        let identical = ours == theirs.top;
        let xml = xml(ours);
        let diff = diff_sides(&side(&server.payloads, id)?, &side(&xml, id)?);
        // By meaning, as `profile diff` judges (identities by certificate): a rerun of a
        // rollout repacks every PKCS#12 under a new password around the same certificate
        // and key, which devices already hold, so it is left alone. Unless a password
        // travels apart from the profile: the user was given the new one, which opens
        // only the new bytes.
        let same = identical || (diff.same && !req.profile.password_apart());
        if server.name != req.name {
            report
                .settings
                .push(format!("name {:?} -> {:?}", server.name, req.name));
        }
        if let Some(c) = req
            .category
            .as_ref()
            .filter(|&c| server.category.as_ref() != Some(c))
        {
            let was = server
                .category
                .as_ref()
                .map_or_else(|| "none".to_string(), |c| format!("{c:?}"));
            report.settings.push(format!("category {was} -> {c:?}"));
        }
        if let Some(s) = req.scope.as_ref().filter(|&s| *s != server.scope) {
            report
                .settings
                .push(format!("scope {} -> {s}", server.scope));
        }
        report.repacked_only = !identical && diff.same;
        let changes = !same || !report.settings.is_empty();
        report.kept_uuid = Some(uuid.clone());
        report.kept_identifier = (identifier != req.profile.identifier).then(|| identifier.clone());
        report.scope = req.scope.clone().unwrap_or(server.scope);
        report.diff = Some(diff);
        self.claimed.insert(id);
        report.action = match (changes, self.dry_run) {
            (false, _) => Action::Unchanged,
            (true, true) => Action::WouldUpdate,
            (true, false) => {
                let body = ProfileBody {
                    name: Some(&req.name),
                    category: req.category.as_deref(),
                    payloads: Some(&xml),
                    scope: req.scope.as_ref(),
                };
                self.client.update_profile(id, &body)?;
                self.by_name.retain(|_, v| *v != id);
                self.by_name.insert(req.name.clone(), id);
                self.check(req, id, &xml, (Some(&uuid), &identifier), UPDATED)?;
                Action::Updated
            }
        };
        Ok(report)
    }

    /// Reads profile `id` back and compares it with what was sent, whose top-level
    /// PayloadUUID (when pbkit set it) and PayloadIdentifier are `(uuid, sent_identifier)`.
    fn check(
        &self,
        req: &PushRequest<'_>,
        id: u64,
        sent: &str,
        (uuid, sent_identifier): (Option<&str>, &str),
        state: &'static str,
    ) -> Result<(), Error> {
        let kept = self.client.get_profile(&ProfileKey::Id(id))?;
        let inspection =
            pbkit_profile::inspect(kept.payloads.as_bytes(), &[]).map_err(|e| Error::Broken {
                name: req.name.clone(),
                id,
                state,
                problems: vec![format!("Jamf Pro keeps a profile pbkit cannot read: {e}")],
            })?;
        let mut problems = Vec::new();
        for p in &inspection.payloads {
            for r in p.references.iter().filter(|r| r.target.is_none()) {
                problems.push(format!(
                    "{} {}: {} names {}, which is no payload's PayloadUUID any more",
                    p.payload_type, p.identifier, r.key, r.uuid
                ));
            }
        }
        let sent_side = side(sent, id)?;
        let kept_side = side(&kept.payloads, id)?;
        if inspection.identifier != sent_identifier {
            problems.push(format!(
                "PayloadIdentifier {sent_identifier} became {}",
                inspection.identifier
            ));
        }
        if let Some(uuid) = uuid {
            if inspection.uuid != uuid {
                problems.push(format!("PayloadUUID {uuid} became {}", inspection.uuid));
            }
        }
        problems.extend(diff_sides(&sent_side, &kept_side).real_change_lines());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Broken {
                name: req.name.clone(),
                id,
                state,
                problems,
            })
        }
    }
}

/// The server's state after a create that failed its check.
const CREATED_UNSCOPED: &str = "created unscoped: no device gets it";

/// The server's state after an update that failed its check.
const UPDATED: &str = "updated: devices in its scope get it; push a fixed profile or unscope it";

fn side(plist: &str, id: u64) -> Result<Side, Error> {
    Side::read(plist.as_bytes()).map_err(|source| Error::Profile {
        origin: format!("jamf:{id}"),
        source,
    })
}
