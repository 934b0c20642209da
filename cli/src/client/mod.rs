//! A blocking client for the Confluent Schema Registry REST API, as `stele import`, `pull`,
//! `push` and `check --against URL` need it.
//!
//! The CLI is synchronous, so this is plain blocking HTTP (ureq, https through rustls). It
//! speaks to any Confluent-compatible registry: Confluent, Karapace, another Stele. Every
//! request names itself in its errors (`GET https://***@host/subjects/x/versions`), and the
//! registry's `{"error_code", "message"}` body becomes part of the message. Credentials are
//! sent as an `Authorization` header and never printed: the URL shown in errors and in
//! `--verbose` output has its user information replaced by `***`.
//!
//! Answers that callers treat as "absent" rather than as errors (a subject that does not
//! exist, a subject without its own config or mode, a registry without contexts) come back as
//! `None`. Left out: retries (a failed request is reported, not repeated), proxies, client
//! certificates, and the parts of the API these commands do not use.

pub mod args;
mod auth;
pub mod history;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stele_engine::{Format, Reference};

pub use args::RegistryOptions;
pub use auth::{CredentialSource, Credentials};
pub use history::ReferenceCache;
#[allow(unused_imports, reason = "for `stele check --against URL`")]
pub use history::{History, HistoryVersion};

/// The media type Confluent clients send and that every compatible registry accepts.
const MEDIA_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// The largest answer read into memory; far above any schema a registry accepts.
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// Confluent's "subject not found" code.
pub const SUBJECT_NOT_FOUND: i64 = 40401;
/// Confluent's "version not found" code.
pub const VERSION_NOT_FOUND: i64 = 40402;
/// Confluent's "schema not found" code.
pub const SCHEMA_NOT_FOUND: i64 = 40403;

/// A request that failed: the registry answered an error, or the request never got an answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry answered with an error status. `code` is Confluent's `error_code` when the
    /// body had one; `message` is the body's `message`, or the body itself.
    #[error("{request}: {}", describe(*status, *code, message))]
    Status {
        /// The method and the redacted URL.
        request: String,
        /// The HTTP status.
        status: u16,
        /// Confluent's `error_code`, when the body carried one.
        code: Option<i64>,
        /// What the registry said.
        message: String,
    },
    /// No answer: the connection failed, timed out, or TLS failed.
    #[error("{request}: {source}")]
    Transport {
        /// The method and the redacted URL.
        request: String,
        /// What went wrong on the way.
        source: ureq::Error,
    },
    /// An answer that is not what the API specifies.
    #[error("{request}: unexpected answer: {message}")]
    Decode {
        /// The method and the redacted URL.
        request: String,
        /// What did not fit.
        message: String,
    },
}

impl Error {
    /// Confluent's `error_code` of an error answer.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Status { code, .. } => *code,
            _ => None,
        }
    }

    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// One line for an error answer, with a hint where the status has a usual cause.
fn describe(status: u16, code: Option<i64>, message: &str) -> String {
    let mut out = match code {
        Some(code) => format!("{message} (HTTP {status}, error code {code})"),
        None => format!("{message} (HTTP {status})"),
    };
    match status {
        401 => out.push_str(
            "; the registry wants credentials: give --user with the password in \
             STELE_REGISTRY_PASSWORD, or a token in STELE_REGISTRY_TOKEN",
        ),
        403 => out.push_str("; the credentials are not allowed to do this"),
        _ => {}
    }
    out
}

/// How to reach a registry.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The registry's base URL, possibly with `user:password@`.
    pub url: String,
    /// Where the credentials come from (see [`Credentials::resolve`]).
    pub credentials: CredentialSource,
    /// How long one request may take in total.
    pub timeout: Duration,
    /// A PEM file of CA certificates to trust instead of the built-in roots.
    pub ca_cert: Option<PathBuf>,
    /// Print every request and its status to stderr.
    pub verbose: bool,
}

/// A registry the CLI talks to.
pub struct Registry {
    agent: ureq::Agent,
    /// The base URL without user information or a trailing slash.
    base: String,
    /// `base` with `***@` where the user information was: what errors and logs show.
    shown: String,
    authorization: Option<String>,
    verbose: bool,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// A registry URL split into what is sent and what is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedUrl {
    /// Scheme, host and path: the URL requests go to.
    pub base: String,
    /// The same with `***@` for any user information.
    pub shown: String,
    /// `user:password` from the URL, percent-decoded.
    pub userinfo: Option<(String, String)>,
}

/// Splits `url` into its parts; only `http` and `https` are accepted.
pub(crate) fn parse_url(url: &str) -> Result<ParsedUrl> {
    let trimmed = url.trim();
    let (scheme, rest) = trimmed.split_once("://").with_context(|| {
        format!(
            "`{}` is not a URL: expected http://HOST:PORT or https://HOST",
            redact(trimmed)
        )
    })?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        anyhow::bail!(
            "`{}`: only http and https registry URLs are supported",
            redact(trimmed)
        );
    }
    if rest.contains(['?', '#']) {
        anyhow::bail!(
            "`{}`: a registry URL has no query or fragment",
            redact(trimmed)
        );
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((info, host)) => (Some(info), host),
        None => (None, authority),
    };
    if host.is_empty() {
        anyhow::bail!("`{}` names no host", redact(trimmed));
    }
    let path = path.trim_end_matches('/');
    let base = format!("{scheme}://{host}{path}");
    let shown = match userinfo {
        Some(_) => format!("{scheme}://***@{host}{path}"),
        None => base.clone(),
    };
    let userinfo = userinfo.map(|info| {
        let (user, password) = info.split_once(':').unwrap_or((info, ""));
        (percent_decode(user), percent_decode(password))
    });
    Ok(ParsedUrl {
        base,
        shown,
        userinfo,
    })
}

/// `url` with any user information replaced by `***`, for messages about a URL that did not
/// parse.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Decodes `%XX` escapes; anything malformed stays as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one path segment: everything but RFC 3986's unreserved characters is escaped, so
/// subjects with `/`, `:` (contexts, `:.ctx:name`), spaces or `%` reach the registry intact.
/// Confluent's Python client encodes the same way.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A schema reference as the API spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApiReference {
    /// The name the referencing schema uses.
    pub name: String,
    /// The subject holding the referenced schema.
    pub subject: String,
    /// Its version (`-1` means latest on some registries).
    pub version: i32,
}

impl From<&ApiReference> for Reference {
    fn from(r: &ApiReference) -> Reference {
        Reference {
            name: r.name.clone(),
            subject: r.subject.clone(),
            version: r.version,
        }
    }
}

/// A registered subject version (`GET /subjects/{s}/versions/{v}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectVersion {
    /// The subject, qualified when it lives in a context.
    pub subject: String,
    /// The version number.
    pub version: i32,
    /// The schema id (in the subject's context).
    pub id: i32,
    /// `AVRO` when absent, as every client reads it.
    #[serde(default)]
    pub schema_type: Option<String>,
    /// The schema text.
    pub schema: String,
    /// The schemas it references.
    #[serde(default)]
    pub references: Vec<ApiReference>,
    /// Confluent's metadata, copied as is.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Confluent's rule set, copied as is.
    #[serde(default)]
    pub rule_set: Option<Value>,
}

impl SubjectVersion {
    /// The schema's format.
    pub fn format(&self) -> Result<Format> {
        schema_format(self.schema_type.as_deref()).with_context(|| {
            format!(
                "subject `{}` version {} has schema type `{}`",
                self.subject,
                self.version,
                self.schema_type.as_deref().unwrap_or_default()
            )
        })
    }

    /// The references as the engine spells them.
    pub fn engine_references(&self) -> Vec<Reference> {
        self.references.iter().map(Reference::from).collect()
    }
}

/// A schema by id (`GET /schemas/ids/{id}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaById {
    /// `AVRO` when absent.
    #[serde(default)]
    pub schema_type: Option<String>,
    /// The schema text.
    pub schema: String,
    /// The schemas it references.
    #[serde(default)]
    pub references: Vec<ApiReference>,
}

/// `schemaType` to a format; absent means Avro.
pub fn schema_format(schema_type: Option<&str>) -> Result<Format> {
    match schema_type {
        None => Ok(Format::Avro),
        Some(t) => t.parse::<Format>().map_err(anyhow::Error::msg),
    }
}

/// The body of `POST /subjects/{s}/versions` and of a lookup.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The schema text.
    pub schema: String,
    /// `AVRO`, `PROTOBUF` or `JSON`; always sent.
    pub schema_type: String,
    /// The schemas it references.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ApiReference>,
    /// Metadata to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Rule set to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<Value>,
    /// An explicit id (IMPORT mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// An explicit version (IMPORT mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
}

#[derive(Deserialize)]
struct Registered {
    id: i32,
}

#[derive(Deserialize)]
struct ModeBody {
    mode: String,
}

/// Which HTTP method a request uses.
#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Reads a PEM file of CA certificates.
fn load_roots(path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    let shown = path.display();
    let pem = std::fs::read(path).with_context(|| format!("reading CA certificates {shown}"))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.with_context(|| format!("reading CA certificates {shown}"))? {
            ureq::tls::PemItem::Certificate(cert) => certs.push(cert.to_owned()),
            _ => continue,
        }
    }
    if certs.is_empty() {
        anyhow::bail!("{shown} holds no PEM certificate");
    }
    Ok(certs)
}

impl Registry {
    /// Prepares a client for `connection`; nothing is sent yet.
    pub fn connect(connection: &Connection) -> Result<Registry> {
        let url = parse_url(&connection.url)?;
        let credentials =
            Credentials::resolve(&connection.credentials, url.userinfo.clone(), &|name| {
                std::env::var(name).ok()
            })?;
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = &connection.ca_cert {
            let certs = load_roots(path)?;
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(connection.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("stele/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into();
        Ok(Registry {
            agent,
            base: url.base,
            shown: url.shown,
            authorization: credentials.header(),
            verbose: connection.verbose,
        })
    }

    /// The registry's URL as messages show it (credentials redacted).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Sends one request and returns the answer's body, or the error it carried.
    fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<String, Error> {
        let url = format!("{}{path}", self.base);
        let request = format!("{} {}{path}", method.as_str(), self.shown);
        if self.verbose {
            eprintln!("> {request}");
        }
        let transport = |source| Error::Transport {
            request: request.clone(),
            source,
        };
        let answer = match method {
            Method::Get | Method::Delete => {
                let mut builder = match method {
                    Method::Get => self.agent.get(&url),
                    _ => self.agent.delete(&url),
                };
                builder = builder.header("Accept", MEDIA_TYPE);
                if let Some(auth) = &self.authorization {
                    builder = builder.header("Authorization", auth);
                }
                builder.call()
            }
            Method::Post | Method::Put => {
                let mut builder = match method {
                    Method::Post => self.agent.post(&url),
                    _ => self.agent.put(&url),
                };
                builder = builder
                    .header("Accept", MEDIA_TYPE)
                    .header("Content-Type", MEDIA_TYPE);
                if let Some(auth) = &self.authorization {
                    builder = builder.header("Authorization", auth);
                }
                let bytes = serde_json::to_vec(body.unwrap_or(&Value::Null)).map_err(|e| {
                    Error::Decode {
                        request: request.clone(),
                        message: format!("the request body does not serialise: {e}"),
                    }
                })?;
                builder.send(&bytes[..])
            }
        };
        let mut answer = answer.map_err(transport)?;
        let status = answer.status().as_u16();
        let text = answer
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(transport)?;
        if self.verbose {
            eprintln!("< {status} {request}");
        }
        if (200..300).contains(&status) {
            return Ok(text);
        }
        #[derive(Deserialize)]
        struct ErrorBody {
            error_code: Option<i64>,
            message: Option<String>,
        }
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(parsed) => (
                parsed.error_code,
                parsed.message.unwrap_or_else(|| text.trim().to_string()),
            ),
            Err(_) => (None, short(text.trim())),
        };
        Err(Error::Status {
            request,
            status,
            code,
            message: if message.is_empty() {
                "no message".to_string()
            } else {
                message
            },
        })
    }

    /// Sends a request and decodes the JSON answer.
    fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, Error> {
        let text = self.send(method, path, body)?;
        serde_json::from_str(&text).map_err(|e| Error::Decode {
            request: format!("{} {}{path}", method.as_str(), self.shown),
            message: format!("{e}: {}", short(&text)),
        })
    }

    /// `GET /subjects`, soft-deleted subjects too with `deleted`.
    pub fn subjects(&self, deleted: bool) -> Result<Vec<String>, Error> {
        let path = if deleted {
            "/subjects?deleted=true"
        } else {
            "/subjects"
        };
        self.json(Method::Get, path, None)
    }

    /// `GET /subjects/{s}/versions`; `None` when the subject does not exist (or, without
    /// `deleted`, has only soft-deleted versions).
    pub fn versions(&self, subject: &str, deleted: bool) -> Result<Option<Vec<i32>>, Error> {
        let flag = if deleted { "?deleted=true" } else { "" };
        let path = format!("/subjects/{}/versions{flag}", segment(subject));
        absent_on(self.json(Method::Get, &path, None), &[SUBJECT_NOT_FOUND])
    }

    /// `GET /subjects/{s}/versions/{v}`; `None` when the subject or version does not exist.
    pub fn version(
        &self,
        subject: &str,
        version: &str,
        deleted: bool,
    ) -> Result<Option<SubjectVersion>, Error> {
        let flag = if deleted { "?deleted=true" } else { "" };
        let path = format!(
            "/subjects/{}/versions/{}{flag}",
            segment(subject),
            segment(version)
        );
        absent_on(
            self.json(Method::Get, &path, None),
            &[SUBJECT_NOT_FOUND, VERSION_NOT_FOUND],
        )
    }

    /// `GET /schemas/ids/{id}`, in `subject`'s context when given; `None` when unknown.
    pub fn schema_by_id(
        &self,
        id: i32,
        subject: Option<&str>,
    ) -> Result<Option<SchemaById>, Error> {
        let path = match subject {
            Some(s) => format!("/schemas/ids/{id}?subject={}", segment(s)),
            None => format!("/schemas/ids/{id}"),
        };
        absent_on(self.json(Method::Get, &path, None), &[SCHEMA_NOT_FOUND])
    }

    /// `POST /subjects/{s}`: the version of `subject` that holds this schema, if any.
    pub fn lookup(
        &self,
        subject: &str,
        request: &RegisterRequest,
        normalize: bool,
    ) -> Result<Option<SubjectVersion>, Error> {
        let flag = if normalize { "?normalize=true" } else { "" };
        let path = format!("/subjects/{}{flag}", segment(subject));
        let body = to_value(request);
        absent_on(
            self.json(Method::Post, &path, Some(&body)),
            &[SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND],
        )
    }

    /// `POST /subjects/{s}/versions`: registers and answers the schema id.
    pub fn register(
        &self,
        subject: &str,
        request: &RegisterRequest,
        normalize: bool,
    ) -> Result<i32, Error> {
        let flag = if normalize { "?normalize=true" } else { "" };
        let path = format!("/subjects/{}/versions{flag}", segment(subject));
        let body = to_value(request);
        let registered: Registered = self.json(Method::Post, &path, Some(&body))?;
        Ok(registered.id)
    }

    /// `POST /compatibility/subjects/{s}/versions?verbose=true`: the registry's messages when
    /// `request` is incompatible with the subject, empty when it is compatible.
    pub fn incompatibilities(
        &self,
        subject: &str,
        request: &RegisterRequest,
        normalize: bool,
    ) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Answer {
            is_compatible: bool,
            #[serde(default)]
            messages: Vec<Value>,
        }
        let flag = if normalize { "&normalize=true" } else { "" };
        let path = format!(
            "/compatibility/subjects/{}/versions?verbose=true{flag}",
            segment(subject)
        );
        let body = to_value(request);
        let answer: Answer = self.json(Method::Post, &path, Some(&body))?;
        if answer.is_compatible {
            return Ok(Vec::new());
        }
        Ok(answer
            .messages
            .into_iter()
            .map(|m| match m {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect())
    }

    /// `DELETE /subjects/{s}/versions/{v}`, soft or permanent.
    pub fn delete_version(
        &self,
        subject: &str,
        version: i32,
        permanent: bool,
    ) -> Result<(), Error> {
        let flag = if permanent { "?permanent=true" } else { "" };
        let path = format!("/subjects/{}/versions/{version}{flag}", segment(subject));
        self.send(Method::Delete, &path, None).map(drop)
    }

    /// `GET /config` or `GET /config/{s}`; `None` when the subject has no config of its own
    /// (404, whatever the code: registries disagree on it).
    pub fn config(
        &self,
        subject: Option<&str>,
        default_to_global: bool,
    ) -> Result<Option<serde_json::Map<String, Value>>, Error> {
        let flag = if default_to_global {
            "?defaultToGlobal=true"
        } else {
            ""
        };
        let path = match subject {
            Some(s) => format!("/config/{}{flag}", segment(s)),
            None => format!("/config{flag}"),
        };
        absent_on_404(self.json(Method::Get, &path, None))
    }

    /// `PUT /config` or `PUT /config/{s}` with a body of the `ConfigUpdateRequest` shape.
    pub fn put_config(&self, subject: Option<&str>, body: &Value) -> Result<(), Error> {
        let path = match subject {
            Some(s) => format!("/config/{}", segment(s)),
            None => "/config".to_string(),
        };
        self.send(Method::Put, &path, Some(body)).map(drop)
    }

    /// `GET /mode` or `GET /mode/{s}`; `None` when the subject has no mode of its own.
    pub fn mode(&self, subject: Option<&str>) -> Result<Option<String>, Error> {
        let path = match subject {
            Some(s) => format!("/mode/{}", segment(s)),
            None => "/mode".to_string(),
        };
        let body: Option<ModeBody> = absent_on_404(self.json(Method::Get, &path, None))?;
        Ok(body.map(|b| b.mode))
    }

    /// `PUT /mode` or `PUT /mode/{s}`, with `force=true` when asked.
    pub fn put_mode(&self, subject: Option<&str>, mode: &str, force: bool) -> Result<(), Error> {
        let flag = if force { "?force=true" } else { "" };
        let path = match subject {
            Some(s) => format!("/mode/{}{flag}", segment(s)),
            None => format!("/mode{flag}"),
        };
        let body = serde_json::json!({ "mode": mode });
        self.send(Method::Put, &path, Some(&body)).map(drop)
    }

    /// `GET /contexts`; `None` when the registry has no contexts (Karapace answers 404).
    pub fn contexts(&self) -> Result<Option<Vec<String>>, Error> {
        absent_on_404(self.json(Method::Get, "/contexts", None))
    }
}

/// A request body as JSON; the request types serialise infallibly (strings, numbers, values).
fn to_value(request: &RegisterRequest) -> Value {
    serde_json::to_value(request).unwrap_or(Value::Null)
}

/// `Ok(None)` for an error answer carrying one of `codes`.
fn absent_on<T>(result: Result<T, Error>, codes: &[i64]) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code().is_some_and(|c| codes.contains(&c)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Ok(None)` for any 404.
fn absent_on_404<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The first 300 characters of an answer, for messages.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(300).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_when_shown() {
        let url =
            parse_url("https://alice:s%40cret@sr.example.com:8443/registry/").expect("parses");
        assert_eq!(url.base, "https://sr.example.com:8443/registry");
        assert_eq!(url.shown, "https://***@sr.example.com:8443/registry");
        assert_eq!(
            url.userinfo,
            Some(("alice".to_string(), "s@cret".to_string()))
        );
        let plain = parse_url("http://127.0.0.1:8081").expect("parses");
        assert_eq!(plain.base, "http://127.0.0.1:8081");
        assert_eq!(plain.shown, plain.base);
        assert_eq!(plain.userinfo, None);
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_secrets() {
        let err = parse_url("ftp://bob:hunter2@host").expect_err("not http");
        assert!(!format!("{err:#}").contains("hunter2"), "{err:#}");
        let err = parse_url("bob:hunter2@host").expect_err("no scheme");
        assert!(format!("{err:#}").contains("not a URL"), "{err:#}");
        let err = parse_url("http://host/x?token=1").expect_err("query");
        assert!(format!("{err:#}").contains("no query"), "{err:#}");
        assert_eq!(redact("http://u:p@h/x@y"), "http://***@h/x@y");
    }

    #[test]
    fn segments_escape_everything_but_unreserved_characters() {
        assert_eq!(segment("orders-value"), "orders-value");
        assert_eq!(segment(":.ctx:a/b c"), "%3A.ctx%3Aa%2Fb%20c");
        assert_eq!(segment("é%"), "%C3%A9%25");
    }

    #[test]
    fn error_answers_name_the_request_and_the_code() {
        let err = Error::Status {
            request: "GET http://h/subjects/x/versions".into(),
            status: 404,
            code: Some(40401),
            message: "Subject 'x' not found.".into(),
        };
        assert_eq!(
            err.to_string(),
            "GET http://h/subjects/x/versions: Subject 'x' not found. (HTTP 404, error code 40401)"
        );
    }
}
