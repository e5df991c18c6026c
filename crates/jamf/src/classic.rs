//! The Classic API's mobile device configuration profiles
//! (`/JSSResource/mobiledeviceconfigurationprofiles`): list, read, create, update.
//!
//! Reads ask for JSON; writes must be XML, with the profile's plist as the text of
//! `<payloads>`, so XML-escaped once: Jamf Pro decodes one entity layer and answers 409
//! to a bare `&` or `<`.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::{Deserialize, Serialize};

use crate::client::{json, Client};
use crate::Error;

/// The Classic API's path of mobile device configuration profiles.
pub const PROFILES: &str = "/JSSResource/mobiledeviceconfigurationprofiles";

/// A profile as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRef {
    /// Jamf Pro's id.
    pub id: u64,
    /// Its name in Jamf Pro.
    pub name: String,
}

/// How a profile is named in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileKey {
    /// By Jamf Pro's id.
    Id(u64),
    /// By name.
    Name(String),
}

impl ProfileKey {
    /// A number is an id, anything else a name.
    pub fn parse(s: &str) -> ProfileKey {
        match s.parse() {
            Ok(id) => ProfileKey::Id(id),
            Err(_) => ProfileKey::Name(s.to_string()),
        }
    }

    fn path(&self) -> String {
        match self {
            ProfileKey::Id(id) => format!("{PROFILES}/id/{id}"),
            ProfileKey::Name(name) => format!(
                "{PROFILES}/name/{}",
                percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
            ),
        }
    }
}

impl std::fmt::Display for ProfileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileKey::Id(id) => write!(f, "id {id}"),
            ProfileKey::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// A profile as Jamf Pro keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct ServerProfile {
    /// Jamf Pro's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its category, when one is assigned.
    pub category: Option<String>,
    /// Jamf Pro's UUID of the profile (its top-level PayloadUUID).
    pub uuid: String,
    /// The profile's plist, as Jamf Pro serves it (unsigned: Jamf signs on delivery).
    pub payloads: String,
    /// Who it is scoped to.
    pub scope: Scope,
}

impl ServerProfile {
    /// The profile's plist, checked to be one: XML (what Jamf Pro keeps) and a
    /// configuration profile pbkit can read. An empty answer, a script or a binary plist
    /// is refused rather than saved as a `.mobileconfig`.
    pub fn profile_plist(&self) -> Result<&[u8], Error> {
        let bad = |detail: String| Error::Profile {
            origin: format!("Jamf Pro profile id {} {:?}", self.id, self.name),
            source: pbkit_profile::Error::Plist(detail),
        };
        let text = self.payloads.trim_start();
        if text.is_empty() {
            return Err(bad("the server sent no plist".into()));
        }
        if !text.starts_with('<') {
            return Err(bad(
                "the server sent something that is not an XML plist".into()
            ));
        }
        pbkit_profile::Profile::from_plist(self.payloads.as_bytes()).map_err(|e| {
            Error::Profile {
                origin: format!("Jamf Pro profile id {} {:?}", self.id, self.name),
                source: e,
            }
        })?;
        Ok(self.payloads.as_bytes())
    }
}

/// Whom a profile is scoped to (targets only; limitations and exclusions are left as
/// they are in Jamf Pro).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Every mobile device.
    pub all_mobile_devices: bool,
    /// Mobile devices by Jamf Pro id.
    pub mobile_devices: Vec<u64>,
    /// Mobile device groups by name.
    pub mobile_device_groups: Vec<String>,
    /// Users by user name (the devices assigned to them).
    pub users: Vec<String>,
    /// User groups by name.
    pub user_groups: Vec<String>,
}

/// One scope target, written `all-devices`, `device:ID`, `group:NAME`, `user:NAME` or
/// `user-group:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// Every mobile device.
    AllDevices,
    /// A mobile device by Jamf Pro id.
    Device(u64),
    /// A mobile device group by name.
    DeviceGroup(String),
    /// A user by user name.
    User(String),
    /// A user group by name.
    UserGroup(String),
}

/// A scope target that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadTarget {
    /// `group:` and the like: the name or id is missing.
    #[error("{kind}: needs a {what} after the colon ({kind}:{what})")]
    Missing {
        /// The kind written (`group`).
        kind: String,
        /// What it needs (`NAME`, `ID`).
        what: &'static str,
    },
    /// `device:` with something other than a number.
    #[error("device:{0}: a device is named by its Jamf Pro id")]
    NotAnId(String),
    /// No such kind of target.
    #[error(
        "{0:?}: a scope target is all-devices, device:ID, group:NAME, user:NAME or \
         user-group:NAME"
    )]
    Unknown(String),
}

impl std::str::FromStr for Target {
    type Err = BadTarget;

    fn from_str(target: &str) -> Result<Target, BadTarget> {
        let (kind, value) = target.split_once(':').unwrap_or((target, ""));
        let need = |what| {
            if value.is_empty() {
                Err(BadTarget::Missing {
                    kind: kind.to_string(),
                    what,
                })
            } else {
                Ok(value.to_string())
            }
        };
        Ok(match kind {
            "all-devices" if value.is_empty() => Target::AllDevices,
            "device" => Target::Device(
                need("ID")?
                    .parse()
                    .map_err(|_| BadTarget::NotAnId(value.to_string()))?,
            ),
            "group" => Target::DeviceGroup(need("NAME")?),
            "user" => Target::User(need("NAME")?),
            "user-group" => Target::UserGroup(need("NAME")?),
            _ => return Err(BadTarget::Unknown(target.to_string())),
        })
    }
}

impl Scope {
    /// Adds one target.
    pub fn add(&mut self, target: Target) {
        match target {
            Target::AllDevices => self.all_mobile_devices = true,
            Target::Device(id) => self.mobile_devices.push(id),
            Target::DeviceGroup(name) => self.mobile_device_groups.push(name),
            Target::User(name) => self.users.push(name),
            Target::UserGroup(name) => self.user_groups.push(name),
        }
    }

    /// Whether no target is set: no device gets the profile.
    pub fn is_empty(&self) -> bool {
        *self == Scope::default()
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if self.all_mobile_devices {
            parts.push("all devices".to_string());
        }
        parts.extend(self.mobile_devices.iter().map(|d| format!("device {d}")));
        parts.extend(
            self.mobile_device_groups
                .iter()
                .map(|g| format!("group {g:?}")),
        );
        parts.extend(self.users.iter().map(|u| format!("user {u:?}")));
        parts.extend(self.user_groups.iter().map(|g| format!("user group {g:?}")));
        if parts.is_empty() {
            f.write_str("nobody")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What a create or update sends; `None` leaves Jamf Pro's value as it is (on update).
#[derive(Debug, Clone, Default)]
pub struct ProfileBody<'a> {
    /// The name.
    pub name: Option<&'a str>,
    /// The category, by name.
    pub category: Option<&'a str>,
    /// The plist.
    pub payloads: Option<&'a str>,
    /// The scope (replaces Jamf Pro's targets).
    pub scope: Option<&'a Scope>,
}

impl ProfileBody<'_> {
    /// The request's XML.
    ///
    /// ```
    /// let plist = "<plist><dict><key>PayloadDisplayName</key>\
    ///              <string>R&amp;D &lt;S/MIME&gt;</string></dict></plist>";
    /// let body = pbkit_jamf::classic::ProfileBody {
    ///     name: Some("R&D S/MIME"),
    ///     payloads: Some(plist),
    ///     ..Default::default()
    /// };
    /// let xml = String::from_utf8(body.to_xml()).unwrap();
    /// // The plist's own entities are escaped once more: Jamf decodes one layer.
    /// assert!(xml.contains("R&amp;amp;D &amp;lt;S/MIME&amp;gt;"));
    /// assert!(xml.contains("<name>R&amp;D S/MIME</name>"));
    /// ```
    pub fn to_xml(&self) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = self.write(&mut w);
        w.into_inner()
    }

    fn write(&self, w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        open(w, "configuration_profile")?;
        open(w, "general")?;
        if let Some(name) = self.name {
            element(w, "name", name)?;
        }
        if let Some(category) = self.category {
            open(w, "category")?;
            element(w, "name", category)?;
            close(w, "category")?;
        }
        if let Some(payloads) = self.payloads {
            element(w, "payloads", payloads)?;
        }
        close(w, "general")?;
        if let Some(scope) = self.scope {
            open(w, "scope")?;
            element(
                w,
                "all_mobile_devices",
                if scope.all_mobile_devices {
                    "true"
                } else {
                    "false"
                },
            )?;
            let ids: Vec<String> = scope.mobile_devices.iter().map(u64::to_string).collect();
            list(w, "mobile_devices", "mobile_device", "id", &ids)?;
            list(
                w,
                "mobile_device_groups",
                "mobile_device_group",
                "name",
                &scope.mobile_device_groups,
            )?;
            list(w, "jss_users", "jss_user", "name", &scope.users)?;
            list(
                w,
                "jss_user_groups",
                "jss_user_group",
                "name",
                &scope.user_groups,
            )?;
            close(w, "scope")?;
        }
        close(w, "configuration_profile")
    }
}

fn open(w: &mut Writer<Vec<u8>>, tag: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(tag)))
}

fn close(w: &mut Writer<Vec<u8>>, tag: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(tag)))
}

fn element(w: &mut Writer<Vec<u8>>, tag: &str, text: &str) -> std::io::Result<()> {
    open(w, tag)?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    close(w, tag)
}

fn list(
    w: &mut Writer<Vec<u8>>,
    outer: &str,
    inner: &str,
    key: &str,
    values: &[String],
) -> std::io::Result<()> {
    open(w, outer)?;
    for v in values {
        open(w, inner)?;
        element(w, key, v)?;
        close(w, inner)?;
    }
    close(w, outer)
}

// The JSON shapes of the Classic API's answers (only the fields pbkit reads).
#[derive(Deserialize)]
struct ListAnswer {
    configuration_profiles: Vec<ProfileRef>,
}

#[derive(Deserialize)]
struct GetAnswer {
    configuration_profile: GetProfile,
}

#[derive(Deserialize)]
struct GetProfile {
    general: General,
    #[serde(default)]
    scope: Option<ScopeJson>,
}

#[derive(Deserialize)]
struct General {
    id: u64,
    name: String,
    #[serde(default)]
    uuid: String,
    #[serde(default)]
    payloads: String,
    #[serde(default)]
    category: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct IdNamed {
    #[serde(default)]
    id: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScopeJson {
    all_mobile_devices: bool,
    mobile_devices: Vec<IdNamed>,
    mobile_device_groups: Vec<Named>,
    jss_users: Vec<Named>,
    jss_user_groups: Vec<Named>,
}

/// Jamf Pro's name for a profile without a category.
const NO_CATEGORY: &str = "No category assigned";

impl Client {
    /// Every mobile device configuration profile: id and name.
    pub fn list_profiles(&self) -> Result<Vec<ProfileRef>, Error> {
        let answer = self.send("GET", PROFILES, None)?.success()?;
        Ok(json::<ListAnswer>(&answer)?.configuration_profiles)
    }

    /// One profile, whole.
    pub fn get_profile(&self, key: &ProfileKey) -> Result<ServerProfile, Error> {
        let answer = self.send("GET", &key.path(), None)?;
        if answer.status == 404 {
            return Err(Error::NotFound(key.to_string()));
        }
        let url = answer.url.clone();
        let p = json::<GetAnswer>(&answer.success()?)?.configuration_profile;
        let asked = match key {
            ProfileKey::Id(id) => p.general.id == *id,
            ProfileKey::Name(name) => p.general.name == *name,
        };
        if !asked {
            return Err(Error::Answer {
                url,
                reason: format!(
                    "asked for {key}, the answer is id {} {:?}",
                    p.general.id, p.general.name
                ),
            });
        }
        let scope = p.scope.unwrap_or_default();
        let names = |v: Vec<Named>| v.into_iter().map(|n| n.name).collect();
        Ok(ServerProfile {
            id: p.general.id,
            name: p.general.name,
            category: p
                .general
                .category
                .map(|c| c.name)
                .filter(|c| !c.is_empty() && c != NO_CATEGORY),
            uuid: p.general.uuid,
            payloads: p.general.payloads,
            scope: Scope {
                all_mobile_devices: scope.all_mobile_devices,
                mobile_devices: scope.mobile_devices.into_iter().map(|d| d.id).collect(),
                mobile_device_groups: names(scope.mobile_device_groups),
                users: names(scope.jss_users),
                user_groups: names(scope.jss_user_groups),
            },
        })
    }

    /// Creates a profile; its new id.
    pub fn create_profile(&self, body: &ProfileBody<'_>) -> Result<u64, Error> {
        let answer = self.write("POST", &ProfileKey::Id(0), body)?;
        written_id(&answer)
    }

    /// Updates profile `id`: the elements `body` sets replace Jamf Pro's.
    pub fn update_profile(&self, id: u64, body: &ProfileBody<'_>) -> Result<(), Error> {
        self.write("PUT", &ProfileKey::Id(id), body).map(drop)
    }

    fn write(
        &self,
        method: &'static str,
        key: &ProfileKey,
        body: &ProfileBody<'_>,
    ) -> Result<crate::client::Answer, Error> {
        let xml = body.to_xml();
        let answer = self.send(method, &key.path(), Some(("application/xml", &xml)))?;
        match answer.status {
            404 => Err(Error::NotFound(key.to_string())),
            _ => answer.success(),
        }
    }
}

/// The id in a write's answer, `<…><id>N</id></…>`.
fn written_id(answer: &crate::client::Answer) -> Result<u64, Error> {
    let mut reader = quick_xml::Reader::from_reader(&answer.body[..]);
    let mut in_id = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => in_id = e.name().as_ref() == "id",
            Ok(Event::Text(t)) if in_id => {
                if let Ok(id) = t.trim().parse() {
                    return Ok(id);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Err(Error::Answer {
        url: answer.url.clone(),
        reason: format!("no <id> in {}", answer.excerpt()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scope_targets_parse_and_bad_ones_say_what_is_allowed() {
        let mut s = Scope::default();
        for t in [
            "all-devices",
            "device:12",
            "group:Purebred",
            "user:a.b@x",
            "user-group:R&D",
        ] {
            s.add(t.parse().unwrap());
        }
        assert_eq!(
            s.to_string(),
            "all devices, device 12, group \"Purebred\", user \"a.b@x\", user group \"R&D\""
        );
        let bad = |t: &str| t.parse::<Target>().unwrap_err();
        assert_eq!(bad("device:abc"), BadTarget::NotAnId("abc".into()));
        assert_eq!(
            bad("group:"),
            BadTarget::Missing {
                kind: "group".into(),
                what: "NAME"
            }
        );
        assert_eq!(
            bad("all-devices:x"),
            BadTarget::Unknown("all-devices:x".into())
        );
        assert_eq!(
            bad("usr:alice").to_string(),
            "\"usr:alice\": a scope target is all-devices, device:ID, group:NAME, user:NAME or \
             user-group:NAME"
        );
        assert_eq!(Scope::default().to_string(), "nobody");
    }

    #[test]
    fn a_body_sets_only_what_it_is_given() {
        let body = ProfileBody {
            scope: Some(&Scope {
                users: vec!["alice".into()],
                ..Scope::default()
            }),
            ..ProfileBody::default()
        };
        let xml = String::from_utf8(body.to_xml()).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><configuration_profile><general>\
             </general><scope><all_mobile_devices>false</all_mobile_devices><mobile_devices>\
             </mobile_devices><mobile_device_groups></mobile_device_groups><jss_users>\
             <jss_user><name>alice</name></jss_user></jss_users><jss_user_groups>\
             </jss_user_groups></scope></configuration_profile>"
        );
    }

    #[test]
    fn non_ascii_stays_utf8_and_markup_is_escaped_once() {
        let body = ProfileBody {
            name: Some("café <&> ✓"),
            payloads: Some("<string>a &amp; b</string>"),
            ..ProfileBody::default()
        };
        let xml = String::from_utf8(body.to_xml()).unwrap();
        assert!(xml.contains("<name>café &lt;&amp;&gt; ✓</name>"), "{xml}");
        assert!(xml.contains("<payloads>&lt;string&gt;a &amp;amp; b&lt;/string&gt;</payloads>"));
    }

    #[test]
    fn keys_are_ids_or_names_and_names_are_escaped_in_paths() {
        assert_eq!(ProfileKey::parse("12"), ProfileKey::Id(12));
        assert_eq!(ProfileKey::parse("R&D 1"), ProfileKey::Name("R&D 1".into()));
        assert_eq!(
            ProfileKey::parse("R&D/1 ✓").path(),
            format!("{PROFILES}/name/R%26D%2F1%20%E2%9C%93")
        );
    }

    #[test]
    fn the_id_of_a_write_is_read_from_its_answer() {
        let answer = |body: &str| crate::client::Answer {
            status: 201,
            body: body.as_bytes().to_vec(),
            url: "u".into(),
            method: "POST",
            shown: true,
        };
        let ok = "<?xml version=\"1.0\"?><mobile_device_configuration_profile><id>42</id>\
                  </mobile_device_configuration_profile>";
        assert_eq!(written_id(&answer(ok)).unwrap(), 42);
        let err = written_id(&answer("<html>oops</html>")).unwrap_err();
        assert!(
            err.to_string().contains("no <id> in <html>oops</html>"),
            "{err}"
        );
    }
}
