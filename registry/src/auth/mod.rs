//! Authentication and authorization, both optional: off unless an auth file is given
//! (`--auth-file`), and then every request except `/health` and `/metrics` must carry HTTP
//! Basic credentials of a user or a bearer token, and may do only what the file's ACL grants.
//!
//! - [`file`](mod@file): the auth file (users, tokens, ACL entries) and [`Permission`].
//! - [`secret`]: argon2 hashes, tokens, digests.
//! - [`policy`]: which permission each route needs on which subject, and list filtering.
//! - This module: [`Auth`] (the loaded file, the credential cache, the failure counter) and
//!   the [`authenticate`] middleware, which turns the `Authorization` header into a
//!   [`Principal`] or a 401.
//!
//! When auth is off the middlewares are not installed at all, so the read path pays nothing.
//! When it is on, a Basic login costs one argon2 verification (about 10 ms, on the
//! blocking pool, at most one per core at a time) and is then cached for ten minutes under
//! a keyed SHA-256 of `user:password`, so repeated requests cost a hash and a map lookup.
//! Tokens are checked by SHA-256 against every token digest in constant time. The by-id
//! shortcut (`service.rs`) asks [`Auth::known_principal`], which answers only from those two
//! (no verification, no refusal), and leaves everything else to [`authenticate`].
//!
//! Failed logins (wrong password, unknown user or token, malformed header) are counted for
//! `stele_auth_failures_total` and logged with the user name and remote address; a password or
//! token is never logged, nor are hashes. A missing header is answered 401 without counting:
//! clients send one only after the challenge.
//!
//! The file is read again by [`Auth::reload`] (the binary calls it on SIGHUP and when the
//! file's modification time changes): a valid new file replaces the accounts at once and
//! forgets remembered logins; an invalid one is reported and changes nothing.
//!
//! Left out: OAuth/OIDC, mutual TLS client certificates.

pub mod file;
pub mod glob;
pub mod policy;
pub mod secret;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::tls::Peer;
pub use file::Permission;
use file::{Account, Credential, Grant};
use secret::Digest256;

/// How long a verified Basic login is remembered.
const CACHE_TTL: Duration = Duration::from_secs(600);
/// How many verified logins are remembered at most; past that, expired ones are dropped and,
/// if none are, the cache starts over (a flood of distinct valid logins is not a real load).
const CACHE_CAPACITY: usize = 4096;

/// Who a request comes from, with what the ACL grants them.
#[derive(Debug)]
pub struct Principal {
    /// The user or token name.
    pub name: String,
    grants: Vec<Grant>,
    /// The highest permission granted on `*`, which also covers registry-wide operations.
    global: Option<Permission>,
}

impl Principal {
    fn new(account: &Account) -> Principal {
        let global = account
            .grants
            .iter()
            .filter(|g| g.subjects.is_everything())
            .map(|g| g.permission)
            .max();
        Principal {
            name: account.name.clone(),
            grants: account.grants.clone(),
            global,
        }
    }

    /// Whether `needed` is granted on `subject` (as stored: `:.ctx:name` outside the default
    /// context).
    pub fn may(&self, needed: Permission, subject: &str) -> bool {
        self.may_globally(needed)
            || self
                .grants
                .iter()
                .any(|g| g.permission >= needed && g.subjects.matches(subject))
    }

    /// Whether `needed` is granted on every subject (an entry with `subjects = "*"`).
    pub fn may_globally(&self, needed: Permission) -> bool {
        self.global.is_some_and(|granted| granted >= needed)
    }
}

/// What the auth file says, arranged for lookups; replaced whole when the file is reloaded.
struct Directory {
    /// Users by name: their PHC string and principal.
    passwords: HashMap<String, (String, Arc<Principal>)>,
    /// Token digests and their principals.
    tokens: Vec<(Digest256, Arc<Principal>)>,
    /// A PHC string verified against when the user is unknown, so that an unknown name takes
    /// as long to refuse as a wrong password (no user enumeration by timing).
    decoy: Option<String>,
    /// ACL entries, for the log line of a reload.
    grants: usize,
}

impl Directory {
    fn new(accounts: &[Account]) -> Directory {
        let mut passwords = HashMap::new();
        let mut tokens = Vec::new();
        let mut decoy = None;
        for account in accounts {
            let principal = Arc::new(Principal::new(account));
            match &account.credential {
                Credential::Password(hash) => {
                    decoy.get_or_insert_with(|| hash.clone());
                    passwords.insert(account.name.clone(), (hash.clone(), principal));
                }
                Credential::Token(digest) => tokens.push((*digest, principal)),
            }
        }
        Directory {
            passwords,
            tokens,
            decoy,
            grants: accounts.iter().map(|a| a.grants.len()).sum(),
        }
    }
}

/// The loaded auth file and what authentication remembers while running.
pub struct Auth {
    /// The file it was loaded from, for [`Auth::reload`]; `None` when built from accounts.
    source: Option<PathBuf>,
    directory: RwLock<Arc<Directory>>,
    /// Keys the cache's digests; random per process, so a memory dump of the cache cannot be
    /// checked against password guesses offline without it.
    cache_key: Digest256,
    /// Verified Basic logins. Emptied by a reload, which takes this lock first, so a login
    /// verified against the previous file is never remembered after it (see `remember`).
    cache: RwLock<HashMap<Digest256, (Arc<Principal>, Instant)>>,
    /// Bounds concurrent argon2 verifications (each takes ~19 MiB and a core).
    verifying: Semaphore,
    failures: AtomicU64,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let directory = self.directory();
        f.debug_struct("Auth")
            .field("users", &directory.passwords.len())
            .field("tokens", &directory.tokens.len())
            .field("acl_entries", &directory.grants)
            .finish_non_exhaustive()
    }
}

/// Why a request was refused before any route saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No `Authorization` header: the client has not tried yet.
    Missing,
    /// A scheme other than Basic or Bearer, or Basic that is not base64 of `user:password`.
    Malformed,
    /// No such user.
    UnknownUser,
    /// The user exists; the password is wrong.
    WrongPassword,
    /// No token has this digest.
    UnknownToken,
}

impl Refusal {
    fn reason(self) -> &'static str {
        match self {
            Refusal::Missing => "no credentials",
            Refusal::Malformed => "malformed Authorization header",
            Refusal::UnknownUser => "unknown user",
            Refusal::WrongPassword => "wrong password",
            Refusal::UnknownToken => "unknown token",
        }
    }
}

impl Auth {
    /// Loads the auth file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Auth> {
        let mut auth = Auth::from_accounts(file::load(path)?)?;
        auth.source = Some(path.to_path_buf());
        Ok(auth)
    }

    /// Auth over the accounts of a parsed file.
    pub fn from_accounts(accounts: Vec<Account>) -> anyhow::Result<Auth> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Auth {
            source: None,
            directory: RwLock::new(Arc::new(Directory::new(&accounts))),
            cache_key: secret::random_key()?,
            cache: RwLock::new(HashMap::new()),
            verifying: Semaphore::new(cores),
            failures: AtomicU64::new(0),
        })
    }

    /// The file [`Auth::load`] read, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// Reads the auth file again and, if it is valid, serves from it from now on: new and
    /// changed users, tokens and ACL entries apply to the next request, removed ones are
    /// refused, and every remembered Basic login is forgotten (the next request of each
    /// client is verified against the new file). An invalid file changes nothing and is an
    /// error naming it. Returns what the new file holds, for the log.
    pub fn reload(&self) -> anyhow::Result<Loaded> {
        let Some(path) = &self.source else {
            anyhow::bail!("this registry's accounts were not read from a file");
        };
        let directory = Arc::new(Directory::new(&file::load(path)?));
        let loaded = Loaded {
            users: directory.passwords.len(),
            tokens: directory.tokens.len(),
            acl_entries: directory.grants,
        };
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *self
            .directory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = directory;
        cache.clear();
        Ok(loaded)
    }

    fn directory(&self) -> Arc<Directory> {
        Arc::clone(
            &self
                .directory
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Requests refused for wrong or malformed credentials since start.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The principal the `Authorization` header proves.
    async fn principal(&self, headers: &HeaderMap) -> Result<Arc<Principal>, (Refusal, String)> {
        match presented(headers).map_err(|refusal| (refusal, String::new()))? {
            Presented::Basic(encoded) => self.basic(encoded).await,
            Presented::Bearer(token) => self
                .bearer(token)
                .ok_or((Refusal::UnknownToken, String::new())),
        }
    }

    /// The principal the `Authorization` header proves, when that is known without waiting:
    /// a valid bearer token, or a Basic login verified in the last ten minutes. `None` for
    /// anything else, which [`authenticate`] then decides (verifying, counting and logging).
    pub fn known_principal(&self, headers: &HeaderMap) -> Option<Arc<Principal>> {
        match presented(headers).ok()? {
            Presented::Basic(encoded) => {
                let decoded = STANDARD.decode(encoded).ok()?;
                self.cached(&self.login_key(&decoded))
            }
            Presented::Bearer(token) => self.bearer(token),
        }
    }

    /// The key a verified Basic login is remembered under: a keyed SHA-256 of `user:password`.
    fn login_key(&self, decoded: &[u8]) -> Digest256 {
        secret::sha256(&[&self.cache_key, decoded])
    }

    /// `Basic base64(user:password)`.
    async fn basic(&self, encoded: &str) -> Result<Arc<Principal>, (Refusal, String)> {
        let decoded = STANDARD
            .decode(encoded)
            .map_err(|_| (Refusal::Malformed, String::new()))?;
        let key = self.login_key(&decoded);
        if let Some(principal) = self.cached(&key) {
            return Ok(principal);
        }
        let text = String::from_utf8(decoded).map_err(|_| (Refusal::Malformed, String::new()))?;
        let Some((user, password)) = text.split_once(':') else {
            return Err((Refusal::Malformed, String::new()));
        };
        let user = user.to_string();
        let directory = self.directory();
        let (hash, principal, known) = match directory.passwords.get(&user) {
            Some((hash, principal)) => (hash.clone(), Some(Arc::clone(principal)), true),
            None => match &directory.decoy {
                Some(decoy) => (decoy.clone(), None, false),
                None => return Err((Refusal::UnknownUser, user)),
            },
        };
        let password = password.as_bytes().to_vec();
        let verified = {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = self.verifying.acquire().await;
            tokio::task::spawn_blocking(move || secret::verify_password(&password, &hash))
                .await
                .unwrap_or(false)
        };
        match principal {
            Some(principal) if verified => {
                self.remember(key, Arc::clone(&principal), &directory);
                Ok(principal)
            }
            _ if !known => Err((Refusal::UnknownUser, user)),
            _ => Err((Refusal::WrongPassword, user)),
        }
    }

    /// `Bearer <token>`: compared with every digest, without stopping at a match.
    fn bearer(&self, token: &str) -> Option<Arc<Principal>> {
        let digest = secret::sha256(&[token.as_bytes()]);
        let mut found = None;
        for (candidate, principal) in &self.directory().tokens {
            if secret::same_digest(candidate, &digest) {
                found = Some(Arc::clone(principal));
            }
        }
        found
    }

    fn cached(&self, key: &Digest256) -> Option<Arc<Principal>> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(key)
            .filter(|(_, since)| since.elapsed() < CACHE_TTL)
            .map(|(principal, _)| Arc::clone(principal))
    }

    /// Remembers a login verified against `directory`, unless a reload replaced it meanwhile.
    fn remember(&self, key: Digest256, principal: Arc<Principal>, directory: &Arc<Directory>) {
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A reload holds this lock while it swaps the directory, so the check cannot race it.
        if !Arc::ptr_eq(&self.directory(), directory) {
            return;
        }
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, (_, since)| since.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(key, (principal, Instant::now()));
    }
}

/// What a reloaded auth file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Users with passwords.
    pub users: usize,
    /// Bearer tokens.
    pub tokens: usize,
    /// ACL entries.
    pub acl_entries: usize,
}

/// Credentials as the `Authorization` header presents them.
enum Presented<'a> {
    /// `Basic`, with the base64 text.
    Basic(&'a str),
    /// `Bearer`, with the token.
    Bearer(&'a str),
}

fn presented(headers: &HeaderMap) -> Result<Presented<'_>, Refusal> {
    let value = headers.get(header::AUTHORIZATION).ok_or(Refusal::Missing)?;
    let value = value.to_str().map_err(|_| Refusal::Malformed)?;
    let (scheme, credentials) = value.trim().split_once(' ').ok_or(Refusal::Malformed)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        Ok(Presented::Basic(credentials))
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Presented::Bearer(credentials))
    } else {
        Err(Refusal::Malformed)
    }
}

/// Middleware: authenticates the request and hands the [`Principal`] to the routes (as a
/// request extension), or answers 401 with a `WWW-Authenticate` challenge.
pub async fn authenticate(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.principal(request.headers()).await {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err((refusal, user)) => {
            let remote = request
                .extensions()
                .get::<ConnectInfo<Peer>>()
                .map_or_else(|| "unknown".to_string(), |info| info.0.0.to_string());
            if refusal == Refusal::Missing {
                tracing::debug!(%remote, path = request.uri().path(), "no credentials");
            } else {
                auth.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %user,
                    %remote,
                    reason = refusal.reason(),
                    "authentication failed"
                );
            }
            ApiError::Unauthorized.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::http::HeaderValue;

    /// The production hash (argon2 is optimised even in test builds; see Cargo.toml).
    fn hash(password: &str) -> String {
        secret::hash_password(password).unwrap()
    }

    fn auth() -> Auth {
        let token_digest = secret::hex(&secret::sha256(&[b"stele_token"]));
        let text = format!(
            "[[users]]\nname = \"alice\"\npassword_hash = \"{}\"\n\
             [[tokens]]\nname = \"ci\"\nsha256 = \"{token_digest}\"\n\
             [[acl]]\nprincipal = \"alice\"\npermission = \"write\"\nsubjects = \"orders-*\"\n\
             [[acl]]\nprincipal = \"ci\"\npermission = \"read\"\n",
            hash("s3cret")
        );
        Auth::from_accounts(file::parse(&text).unwrap()).unwrap()
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn basic(user_password: &str) -> HeaderMap {
        headers(&format!("Basic {}", STANDARD.encode(user_password)))
    }

    #[tokio::test]
    async fn basic_and_bearer_credentials_find_their_principal() {
        let auth = auth();
        let alice = auth.principal(&basic("alice:s3cret")).await.unwrap();
        assert_eq!(alice.name, "alice");
        assert!(alice.may(Permission::Write, "orders-value"));
        assert!(!alice.may(Permission::Read, "payments-value"));
        assert!(!alice.may_globally(Permission::Read));
        // The second login is served from the cache, with the same principal.
        let again = auth.principal(&basic("alice:s3cret")).await.unwrap();
        assert!(Arc::ptr_eq(&alice, &again));
        let ci = auth
            .principal(&headers("bearer stele_token"))
            .await
            .unwrap();
        assert_eq!(ci.name, "ci");
        assert!(ci.may_globally(Permission::Read));
        assert!(!ci.may(Permission::Write, "orders-value"));
    }

    #[tokio::test]
    async fn bad_credentials_say_why() {
        let auth = auth();
        let refusal = |r: Result<Arc<Principal>, (Refusal, String)>| r.unwrap_err();
        assert_eq!(
            refusal(auth.principal(&basic("alice:wrong")).await),
            (Refusal::WrongPassword, "alice".to_string())
        );
        assert_eq!(
            refusal(auth.principal(&basic("bob:s3cret")).await),
            (Refusal::UnknownUser, "bob".to_string())
        );
        assert_eq!(
            refusal(auth.principal(&basic("no-colon")).await).0,
            Refusal::Malformed
        );
        assert_eq!(
            refusal(auth.principal(&headers("Basic !!!")).await).0,
            Refusal::Malformed
        );
        assert_eq!(
            refusal(auth.principal(&headers("Digest x")).await).0,
            Refusal::Malformed
        );
        assert_eq!(
            refusal(auth.principal(&headers("Bearer stele_other")).await).0,
            Refusal::UnknownToken
        );
        assert_eq!(
            refusal(auth.principal(&HeaderMap::new()).await).0,
            Refusal::Missing
        );
        // A wrong password is not cached: the right one still works afterwards.
        assert!(auth.principal(&basic("alice:s3cret")).await.is_ok());
    }

    #[tokio::test]
    async fn a_reload_replaces_the_accounts_and_forgets_logins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.toml");
        let token = |name: &str| {
            let digest = secret::hex(&secret::sha256(&[format!("stele_{name}").as_bytes()]));
            format!("[[tokens]]\nname = \"{name}\"\nsha256 = \"{digest}\"\n")
        };
        let alice = format!(
            "[[users]]\nname = \"alice\"\npassword_hash = \"{}\"\n",
            hash("s3cret")
        );
        std::fs::write(&path, format!("{alice}{}", token("old"))).unwrap();
        let auth = Auth::load(&path).unwrap();
        assert!(auth.principal(&basic("alice:s3cret")).await.is_ok());
        assert!(auth.known_principal(&basic("alice:s3cret")).is_some());
        assert!(auth.known_principal(&headers("Bearer stele_old")).is_some());

        std::fs::write(&path, format!("{alice}{}", token("new"))).unwrap();
        let loaded = auth.reload().unwrap();
        assert_eq!((loaded.users, loaded.tokens, loaded.acl_entries), (1, 1, 0));
        assert!(auth.known_principal(&headers("Bearer stele_old")).is_none());
        assert!(auth.known_principal(&headers("Bearer stele_new")).is_some());
        // The login is verified again, against the new file.
        assert!(auth.known_principal(&basic("alice:s3cret")).is_none());
        assert!(auth.principal(&basic("alice:s3cret")).await.is_ok());

        // An invalid file is an error naming it, and the accounts stay as they were.
        std::fs::write(&path, "[[tokens]]\nname = \"broken\"\n").unwrap();
        let error = format!("{:#}", auth.reload().unwrap_err());
        assert!(error.contains("auth.toml"), "{error}");
        assert!(auth.known_principal(&headers("Bearer stele_new")).is_some());
        assert!(auth.known_principal(&basic("alice:s3cret")).is_some());
    }

    #[tokio::test]
    async fn known_principals_need_no_verification() {
        let auth = auth();
        // Tokens are known at once; a Basic login only once it was verified.
        let ci = auth
            .known_principal(&headers("Bearer stele_token"))
            .unwrap();
        assert_eq!(ci.name, "ci");
        assert!(auth.known_principal(&basic("alice:s3cret")).is_none());
        let alice = auth.principal(&basic("alice:s3cret")).await.unwrap();
        let known = auth.known_principal(&basic("alice:s3cret")).unwrap();
        assert!(Arc::ptr_eq(&alice, &known));
        for unknown in [
            basic("alice:wrong"),
            basic("bob:s3cret"),
            headers("Bearer stele_other"),
            headers("Basic !!!"),
            headers("Digest x"),
            HeaderMap::new(),
        ] {
            assert!(auth.known_principal(&unknown).is_none(), "{unknown:?}");
        }
    }
}
