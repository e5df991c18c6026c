//! A connection to Jamf Pro: the bearer token, pacing and retries (who connects: [`Credentials`]).
//!
//! Jamf Pro takes no basic authentication on its APIs any more: every request carries a
//! bearer token, from an API client's OAuth client credentials (`POST /api/oauth/token`)
//! or a user's basic credentials (`POST /api/v1/auth/token`). The token is kept in
//! memory only, renewed before it expires (a user's with `/api/v1/auth/keep-alive`, an
//! API client's by asking again), renewed once more if Jamf Pro answers 401 anyway, and
//! invalidated when the client is dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;
use zeroize::Zeroizing;

pub use crate::credentials::{Credentials, CredentialsProblem, ENV_VARS};
use crate::retry::{jitter, RetryAfter, RetryPolicy};
use crate::Error;
use time::OffsetDateTime;

/// How a [`Client`] talks to the server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Requests per second at most (Jamf Cloud throttles bursts); 0: no pacing. At least
    /// [`MIN_RATE`] otherwise.
    pub rate: f64,
    /// Retries of a request that met 429, a 5xx or a network failure.
    pub retries: u32,
    /// Per request, connecting and reading included.
    pub timeout: Duration,
    /// The longest wait before a retry, whether the server asked for it (`Retry-After`)
    /// or not.
    pub max_wait: Duration,
    /// All of the client's network work, from [`Client::connect`] on: no request is sent
    /// and no retry waited for past it. `None`: no limit (a bulk push of thousands).
    pub deadline: Option<Duration>,
    /// Plain `http://` to a host that is not this machine: credentials and tokens would
    /// cross the network readable. Refused unless set.
    pub allow_insecure_http: bool,
    /// Anchors (DER) for the server's TLS certificate, instead of the system's: an
    /// on-premises Jamf Pro with a DoD-issued certificate.
    pub anchors: Option<Vec<Vec<u8>>>,
    /// Told before each retry's wait, so that a long wait is never silent.
    pub on_wait: Option<OnWait>,
}

/// The slowest pace [`ClientOptions::rate`] takes: one request every 100 seconds.
pub const MIN_RATE: f64 = 0.01;

/// A retry about to be waited for: what failed, and how long pbkit waits.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Wait {
    /// The request: `GET https://…/JSSResource/…`.
    pub request: String,
    /// What it met: `HTTP 503`, `no answer in time`.
    pub reason: String,
    /// The wait before the retry.
    pub wait: Duration,
    /// This retry's number, from 1.
    pub retry: u32,
    /// The retries allowed.
    pub retries: u32,
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}; retry {} of {} in {:.1} s",
            self.request,
            self.reason,
            self.retry,
            self.retries,
            self.wait.as_secs_f64()
        )
    }
}

/// A callback for [`ClientOptions::on_wait`].
#[derive(Clone)]
pub struct OnWait(pub Arc<dyn Fn(&Wait) + Send + Sync>);

impl std::fmt::Debug for OnWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnWait(..)")
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            rate: 10.0,
            retries: 3,
            timeout: Duration::from_secs(30),
            max_wait: Duration::from_secs(60),
            deadline: None,
            allow_insecure_http: false,
            anchors: None,
            on_wait: None,
        }
    }
}

/// How long a token's invalidation, at the end, may take: the work is done by then.
const INVALIDATE_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest token lifetime believed: a server's `expires_in` of 2^64 - 1 must not
/// overflow the clock, and a day-old token is renewed anyway.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What a client did: for reports and the closing figures of a bulk push.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, PartialEq, Eq)]
pub struct Stats {
    /// Requests sent (tokens included).
    pub requests: usize,
    /// Of them, retries after 429, 5xx or a network failure.
    pub retries: usize,
    /// Tokens obtained or renewed.
    pub tokens: usize,
}

impl std::fmt::Display for Stats {
    /// `12 requests (1 retry, 1 token)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}, {})",
            pbkit_words::plural(self.requests, "request"),
            pbkit_words::count(self.retries, "retry", "retries"),
            pbkit_words::plural(self.tokens, "token")
        )
    }
}

struct Token {
    value: Zeroizing<String>,
    /// When pbkit renews it: a fifth of its lifetime (at most a minute) before it expires.
    renew_at: Instant,
}

/// An answer: its status and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) url: String,
    pub(crate) method: &'static str,
    /// Whether its text may be shown: not when it holds a token or repeats a credential
    /// pbkit sent (a server or proxy that echoes the request).
    pub(crate) shown: bool,
}

impl Answer {
    /// The answer's text, shortened, for an error message.
    pub(crate) fn excerpt(&self) -> String {
        if !self.shown {
            return "(its text is not shown: it holds a credential or token)".into();
        }
        let text = String::from_utf8_lossy(&self.body);
        let words: Vec<&str> = text.split_whitespace().collect();
        let joined = words.join(" ");
        match joined.char_indices().nth(200) {
            Some((i, _)) => format!("{}…", &joined[..i]),
            None => joined,
        }
    }

    /// `Err` unless the status is 2xx.
    pub(crate) fn success(self) -> Result<Answer, Error> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let detail = match self.status {
            401 => "the token was refused twice".to_string(),
            403 => "the API client or user lacks a privilege for this (see the privileges in \
                    docs/jamf-admins.md)"
                .to_string(),
            _ => self.excerpt(),
        };
        Err(Error::Status {
            method: self.method,
            url: self.url,
            status: self.status,
            detail,
        })
    }
}

/// A request body: content type and bytes.
pub(crate) type Body<'a> = Option<(&'a str, &'a [u8])>;

/// A connection to one Jamf Pro server.
pub struct Client {
    base: String,
    /// When all network work must be done ([`ClientOptions::deadline`]).
    deadline: Option<Instant>,
    agent: ureq::Agent,
    credentials: Credentials,
    options: ClientOptions,
    token: Mutex<Option<Token>>,
    next_slot: Mutex<Instant>,
    requests: AtomicUsize,
    retries: AtomicUsize,
    tokens: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Deserialize)]
struct OauthToken {
    access_token: Zeroizing<String>,
    expires_in: u64,
}

#[derive(Deserialize)]
struct UserToken {
    token: Zeroizing<String>,
    #[serde(default)]
    expires: String,
}

impl UserToken {
    /// Its lifetime from `expires` (RFC 3339); Jamf Pro's default of 20 minutes when that
    /// cannot be read, and at least a second (clocks differ).
    fn lifetime(&self) -> Duration {
        time::OffsetDateTime::parse(
            &self.expires,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
        .map(|at| at - time::OffsetDateTime::now_utc())
        .map(|left| Duration::try_from(left).unwrap_or(Duration::ZERO))
        .unwrap_or(Duration::from_secs(20 * 60))
        .max(Duration::from_secs(1))
    }
}

impl Client {
    /// Connects to `url` (`https://example.jamfcloud.com`) and obtains a token, so that
    /// wrong credentials or an unreachable server show at once.
    pub fn connect(
        url: &str,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Client, Error> {
        let base = server_url(url, options.allow_insecure_http)?;
        if !(options.rate == 0.0 || (options.rate >= MIN_RATE && options.rate.is_finite())) {
            return Err(Error::Rate(options.rate));
        }
        let deadline = options.deadline.map(|d| Instant::now() + d);
        let roots = match &options.anchors {
            Some(ders) => ureq::tls::RootCerts::Specific(Arc::new(
                ders.iter()
                    .map(|d| ureq::tls::Certificate::from_der(d).to_owned())
                    .collect(),
            )),
            None => ureq::tls::RootCerts::PlatformVerifier,
        };
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(roots)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(options.timeout))
            .http_status_as_error(false)
            // A redirect would carry the token elsewhere; Jamf Pro's API does not redirect.
            .max_redirects(0)
            .user_agent(concat!("pbkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let client = Client {
            base,
            deadline,
            agent,
            credentials,
            options,
            token: Mutex::new(None),
            next_slot: Mutex::new(Instant::now()),
            requests: AtomicUsize::new(0),
            retries: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
        };
        client.bearer()?;
        Ok(client)
    }

    /// The server's URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// What the client did so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            tokens: self.tokens.load(Ordering::Relaxed),
        }
    }

    /// Waits for the next request slot (at most `rate` a second).
    fn pace(&self) {
        if self.options.rate <= 0.0 {
            return;
        }
        let interval = Duration::from_secs_f64(1.0 / self.options.rate);
        let wait = {
            let mut next = lock(&self.next_slot);
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + interval;
            slot - now
        };
        std::thread::sleep(wait);
    }

    /// What is left of the deadline; an error naming the request once it has passed.
    fn time_left(&self, method: &str, url: &str) -> Result<Option<Duration>, Error> {
        let Some(deadline) = self.deadline else {
            return Ok(None);
        };
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(self.past_deadline(method, url)),
        }
    }

    /// The deadline's error for the request that would have been sent or retried.
    fn past_deadline(&self, method: &str, url: &str) -> Error {
        Error::Deadline {
            request: format!("{method} {url}"),
            seconds: self.options.deadline.unwrap_or_default().as_secs(),
        }
    }

    /// Sends one request, paced, without token or retries, within the deadline.
    fn raw(
        &self,
        method: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<(Answer, Option<RetryAfter>), Error> {
        let url = format!("{}{path}", self.base);
        let timeout = match self.time_left(method, &url)? {
            Some(left) => self.options.timeout.min(left),
            None => self.options.timeout,
        };
        self.raw_within(method, path, headers, body, timeout)
    }

    /// [`Client::raw`] with its own timeout and no deadline.
    fn raw_within(
        &self,
        method: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        timeout: Duration,
    ) -> Result<(Answer, Option<RetryAfter>), Error> {
        self.pace();
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some((content_type, _)) = body {
            request = request.header("Content-Type", content_type);
        }
        let bytes = body.map(|(_, b)| b).unwrap_or_default();
        // Only a URL the http crate cannot take fails here (the base was checked).
        let request = request.body(bytes).map_err(|_| Error::Url(url.clone()))?;
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let response = self.agent.run(request).map_err(|cause| Error::Connect {
            url: url.clone(),
            cause,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(RetryAfter::parse);
        let body = response
            .into_body()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|cause| Error::Connect {
                url: url.clone(),
                cause,
            })?;
        let shown = !self.echoes_credentials(headers, &body);
        Ok((
            Answer {
                status,
                body,
                url,
                method,
                shown,
            },
            retry_after,
        ))
    }

    /// Whether `answer` repeats a credential of this request: its Authorization header
    /// (whole, or the part after the scheme), the client secret or password (as sent in
    /// a form, or as is).
    fn echoes_credentials(&self, headers: &[(&str, &str)], answer: &[u8]) -> bool {
        let secret = match &self.credentials {
            Credentials::ApiClient { secret, .. } => secret,
            Credentials::User { password, .. } => password,
        };
        let encoded = Zeroizing::new(form_encode(secret));
        let authorization = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("Authorization"))
            .flat_map(|(_, v)| [*v, v.split_once(' ').map_or(*v, |(_, t)| t)]);
        let mut needles = authorization.chain([secret.as_str(), encoded.as_str()]);
        needles.any(|n| n.len() >= 4 && answer.windows(n.len()).any(|w| w == n.as_bytes()))
    }

    /// Asks for a new token with the credentials.
    fn authenticate(&self) -> Result<Token, Error> {
        let started = Instant::now();
        let (answer, lifetime) = match &self.credentials {
            Credentials::ApiClient { id, secret } => {
                let form = Zeroizing::new(format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}",
                    form_encode(id),
                    Zeroizing::new(form_encode(secret)).as_str()
                ));
                let (answer, _) = self.raw(
                    "POST",
                    "/api/oauth/token",
                    &[("Accept", "application/json")],
                    Some(("application/x-www-form-urlencoded", form.as_bytes())),
                )?;
                let answer = refused(secret_answer(answer))?;
                let token: OauthToken = json(&answer)?;
                (token.access_token, Duration::from_secs(token.expires_in))
            }
            Credentials::User { name, password } => {
                let basic = Zeroizing::new(format!(
                    "Basic {}",
                    base64_encode(format!("{name}:{}", password.as_str()).as_bytes())
                ));
                let (answer, _) = self.raw(
                    "POST",
                    "/api/v1/auth/token",
                    &[("Accept", "application/json"), ("Authorization", &basic)],
                    None,
                )?;
                let answer = refused(secret_answer(answer))?;
                let token: UserToken = json(&answer)?;
                let lifetime = token.lifetime();
                (token.token, lifetime)
            }
        };
        self.tokens.fetch_add(1, Ordering::Relaxed);
        Ok(Token {
            value: answer,
            renew_at: renew_at(started, lifetime),
        })
    }

    /// Renews a token that is about to expire: a user's with keep-alive, an API client's
    /// by asking again (OAuth client credentials have no refresh).
    fn renew(&self, old: &Token) -> Result<Token, Error> {
        if let Credentials::User { .. } = self.credentials {
            let started = Instant::now();
            let auth = Zeroizing::new(format!("Bearer {}", old.value.as_str()));
            let (answer, _) = self.raw(
                "POST",
                "/api/v1/auth/keep-alive",
                &[("Accept", "application/json"), ("Authorization", &auth)],
                None,
            )?;
            if answer.status == 200 {
                let token: UserToken = json(&secret_answer(answer))?;
                self.tokens.fetch_add(1, Ordering::Relaxed);
                return Ok(Token {
                    renew_at: renew_at(started, token.lifetime()),
                    value: token.token,
                });
            }
        }
        self.authenticate()
    }

    /// A valid bearer header, renewing the token when due.
    fn bearer(&self) -> Result<Zeroizing<String>, Error> {
        let mut slot = lock(&self.token);
        let fresh = match slot.take() {
            Some(t) if Instant::now() < t.renew_at => t,
            Some(t) => self.renew(&t)?,
            None => self.authenticate()?,
        };
        let header = Zeroizing::new(format!("Bearer {}", fresh.value.as_str()));
        *slot = Some(fresh);
        Ok(header)
    }

    /// Sends an API request with the token: a 401 renews the token once; 429, 503 and
    /// (for requests safe to repeat) other 5xx and network failures are retried after
    /// `Retry-After` or a growing pause. The answer may still be an error status.
    pub(crate) fn send(
        &self,
        method: &'static str,
        path: &str,
        body: Body<'_>,
    ) -> Result<Answer, Error> {
        // A POST that failed with a 500 may have created the profile: the caller looks
        // before it tries again. 429 and 503 mean the request was not taken.
        let repeatable = method != "POST";
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            let bearer = self.bearer()?;
            let sent = self.raw(
                method,
                path,
                &[("Accept", "application/json"), ("Authorization", &bearer)],
                body,
            );
            let (pause, reason, url) = match sent {
                Ok((answer, _)) if answer.status == 401 && !renewed => {
                    renewed = true;
                    lock(&self.token).take();
                    continue;
                }
                Ok((answer, retry_after))
                    if attempt < self.options.retries
                        && (answer.status == 429
                            || answer.status == 503
                            || (repeatable && answer.status >= 500)) =>
                {
                    let reason = format!("HTTP {}", answer.status);
                    (retry_after, reason, answer.url)
                }
                Err(Error::Connect { url, cause })
                    if repeatable && attempt < self.options.retries =>
                {
                    (None, network_reason(&cause), url)
                }
                other => return other.map(|(answer, _)| answer),
            };
            attempt += 1;
            self.wait_to_retry(method, &url, reason, pause, attempt)?;
        }
    }

    /// The retries a request may have ([`ClientOptions::retries`]).
    pub(crate) fn retries(&self) -> u32 {
        self.policy().retries
    }

    /// The one retry rule of every request.
    pub(crate) fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            retries: self.options.retries,
            max_wait: self.options.max_wait,
            base: Duration::from_millis(250),
        }
    }

    /// Waits before retry `attempt` (from 1) of `method url`, for `reason`, as long as
    /// [`RetryPolicy::pause`] says (the server's `Retry-After` when it gave one). The wait
    /// is told ([`ClientOptions::on_wait`]) and counted; one that would end past the
    /// deadline is not begun.
    pub(crate) fn wait_to_retry(
        &self,
        method: &'static str,
        url: &str,
        reason: String,
        asked: Option<RetryAfter>,
        attempt: u32,
    ) -> Result<(), Error> {
        let pause = self
            .policy()
            .pause(attempt, asked, OffsetDateTime::now_utc(), jitter());
        if let Some(left) = self.time_left(method, url)? {
            if pause >= left {
                return Err(self.past_deadline(method, url));
            }
        }
        self.retries.fetch_add(1, Ordering::Relaxed);
        if let Some(OnWait(tell)) = &self.options.on_wait {
            tell(&Wait {
                request: format!("{method} {url}"),
                reason,
                wait: pause,
                retry: attempt,
                retries: self.options.retries,
            });
        }
        std::thread::sleep(pause);
        Ok(())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(token) = lock(&self.token).take() {
            let auth = Zeroizing::new(format!("Bearer {}", token.value.as_str()));
            // Best effort, briefly: an expired token is gone anyway.
            let _ = self.raw_within(
                "POST",
                "/api/v1/auth/invalidate-token",
                &[("Authorization", &auth)],
                None,
                INVALIDATE_TIMEOUT,
            );
        }
    }
}

/// A network failure in words, with what to check.
pub(crate) fn network_reason(e: &ureq::Error) -> String {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                "connection refused: nothing listens on that host and port".into()
            }
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                "the server closed the connection".into()
            }
            ErrorKind::TimedOut => "timed out".into(),
            _ if io.to_string().contains("lookup address") => "host not found (DNS)".into(),
            _ => io.to_string(),
        },
        ureq::Error::Timeout(_) => "no answer in time".into(),
        ureq::Error::HostNotFound => "host not found (DNS)".into(),
        ureq::Error::BodyExceedsLimit(n) => format!("the answer is over {n} bytes"),
        ureq::Error::NativeTls(tls) => tls_reason(&tls.to_string()),
        other => other.to_string(),
    }
}

/// OpenSSL's handshake error, as an admin reads it: the verdict (OpenSSL puts it last,
/// in parentheses) and what to do.
fn tls_reason(openssl: &str) -> String {
    let verdict = openssl
        .rsplit_once(" (")
        .map(|(_, v)| v.trim_end_matches(')'))
        .unwrap_or(openssl);
    if openssl.contains("wrong version number") {
        "TLS handshake failed: no TLS on this port (http:// instead of https://?)".into()
    } else if verdict.contains("mismatch") {
        format!(
            "the server's TLS certificate is not for this host: {verdict} (use a name it holds)"
        )
    } else if openssl.contains("certificate verify failed") {
        format!(
            "the server's TLS certificate is not trusted: {verdict} (a Jamf Pro with a DoD \
             or private certificate needs its anchor: --jamf-anchor)"
        )
    } else {
        format!("TLS handshake failed: {verdict}")
    }
}

fn renew_after(lifetime: Duration) -> Duration {
    lifetime.saturating_sub((lifetime / 5).min(Duration::from_secs(60)))
}

/// When a token got at `started` with `lifetime` is renewed (a lifetime past a day is
/// taken as a day).
fn renew_at(started: Instant, lifetime: Duration) -> Instant {
    started + renew_after(lifetime.min(MAX_LIFETIME))
}

/// A token endpoint's answer: its text holds the token, and is never shown.
fn secret_answer(answer: Answer) -> Answer {
    Answer {
        shown: false,
        ..answer
    }
}

/// The server's base URL (no trailing slash) from what the user gave: http or https, a
/// host, no user name, query or fragment; plain http only to this machine unless
/// `insecure` (credentials and tokens would cross the network readable).
fn server_url(url: &str, insecure: bool) -> Result<String, Error> {
    let bad = || Error::Url(url.to_string());
    if url.contains(|c: char| c.is_control() || c.is_whitespace()) {
        return Err(bad());
    }
    let uri: http::Uri = url.parse().map_err(|_| bad())?;
    let host = uri.host().unwrap_or_default();
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    if host.is_empty() || authority.contains('@') || uri.query().is_some() || url.contains('#') {
        return Err(bad());
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if insecure || is_loopback(host) => {}
        Some("http") => return Err(Error::Insecure(url.to_string())),
        _ => return Err(bad()),
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `localhost`, 127.0.0.0/8 or ::1: traffic that never leaves the machine.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn refused(answer: Answer) -> Result<Answer, Error> {
    match answer.status {
        400 | 401 | 403 => Err(Error::Refused {
            url: answer.url,
            status: answer.status,
        }),
        _ => answer.success(),
    }
}

/// The JSON body of an answer as `T`.
pub(crate) fn json<T: serde::de::DeserializeOwned>(answer: &Answer) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| Error::Answer {
        url: answer.url.clone(),
        reason: format!("{e} in {}", answer.excerpt()),
    })
}

/// application/x-www-form-urlencoded, for the OAuth form.
fn form_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn openssl_handshake_errors_read_as_verdicts() {
        let verify = "error:0A000086:SSL routines:tls_post_process_server_certificate:\
                      certificate verify failed:../ssl/statem/statem_clnt.c:1889: \
                      (unable to get local issuer certificate)";
        assert_eq!(
            tls_reason(verify),
            "the server's TLS certificate is not trusted: unable to get local issuer \
             certificate (a Jamf Pro with a DoD or private certificate needs its anchor: \
             --jamf-anchor)"
        );
        let plain = "error:0A00010B:SSL routines:ssl3_get_record:wrong version number:\
                     ../ssl/record/ssl3_record.c:350:";
        assert!(tls_reason(plain).contains("no TLS on this port"));
    }

    #[test]
    fn tokens_are_renewed_a_fifth_before_expiry_at_most_a_minute() {
        assert_eq!(renew_after(Duration::from_secs(10)), Duration::from_secs(8));
        assert_eq!(
            renew_after(Duration::from_secs(1200)),
            Duration::from_secs(1140)
        );
    }

    #[test]
    fn a_user_tokens_lifetime_comes_from_its_expiry() {
        let at = |t: time::OffsetDateTime| UserToken {
            token: Zeroizing::new("t".into()),
            expires: t
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        };
        let now = time::OffsetDateTime::now_utc();
        let left = at(now + time::Duration::minutes(5)).lifetime();
        assert!(
            left > Duration::from_secs(290) && left <= Duration::from_secs(300),
            "{left:?}"
        );
        // Expired by our clock (clocks differ): a second, not zero.
        assert_eq!(
            at(now - time::Duration::minutes(5)).lifetime(),
            Duration::from_secs(1)
        );
        let unreadable = UserToken {
            token: Zeroizing::new("t".into()),
            expires: "soon".into(),
        };
        assert_eq!(unreadable.lifetime(), Duration::from_secs(1200));
    }

    #[test]
    fn only_http_urls_are_servers() {
        for url in [
            "jamf.example.mil",
            "ftp://x",
            "https://",
            "https://x/?a",
            "http://a b",
        ] {
            let e = Client::connect(url, pick_creds(), ClientOptions::default()).err();
            assert!(matches!(e, Some(Error::Url(_))), "{url}: {e:?}");
        }
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        for url in [
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://127.9.9.9:1/",
            "http://[::1]:8443",
            "https://jamf.example.mil/",
        ] {
            assert!(server_url(url, false).is_ok(), "{url}");
        }
        for url in ["http://jamf.example.mil", "http://10.0.0.1", "http://[::2]"] {
            assert!(
                matches!(server_url(url, false), Err(Error::Insecure(_))),
                "{url}"
            );
            assert!(server_url(url, true).is_ok(), "{url}");
        }
        for url in [
            "https://u:p@jamf.example.mil",
            "https://x/#f",
            "https://x\n",
        ] {
            assert!(matches!(server_url(url, true), Err(Error::Url(_))), "{url}");
        }
        assert_eq!(
            server_url("https://jamf.example.mil:8443/", false).unwrap(),
            "https://jamf.example.mil:8443"
        );
    }

    #[test]
    fn a_lifetime_of_centuries_is_renewed_within_a_day() {
        let now = Instant::now();
        let at = renew_at(now, Duration::from_secs(u64::MAX));
        assert!(at - now <= MAX_LIFETIME, "{:?}", at - now);
    }

    fn pick_creds() -> Credentials {
        Credentials::User {
            name: "u".into(),
            password: Zeroizing::new("p".into()),
        }
    }
}
