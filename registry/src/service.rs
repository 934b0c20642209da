//! [`Api`], the service every connection is served by: the router of the whole API
//! ([`crate::app`]'s layers and routes) with one shortcut in front of it, for the
//! serializers' hot path.
//!
//! A producer or consumer that meets a schema id it has not seen asks
//! `GET /schemas/ids/{id}`. When the answer is already in the cache and the request needs
//! nothing else (see [`routes::schemas::plain_by_id`]), [`Api`] answers it before routing:
//! no router, middleware stack, extractors or request timeout, which together cost about a
//! third of a routed read's CPU time on the benchmark machine (docs/performance.md). The
//! answer is the handler's own (same bytes, status and headers; a test compares them), in the
//! negotiated media type, counted in the metrics under the same route template and logged
//! the same way. A request the shortcut cannot answer, a cache miss included, is routed as
//! usual, and the handler fills the cache for the next one.
//!
//! With authentication on, the shortcut answers only requests whose credentials are known
//! good without waiting (a bearer token, or a Basic login verified in the last ten minutes:
//! `Auth::known_principal`) from a principal known to be allowed the id (a read grant on
//! every subject, or on a cached holder of the id: `policy::may_read_id_cached`). Everything
//! else, including every refusal, takes the routed path, where credentials are verified,
//! failures counted and logged, and holders read from the database. With CORS configured the
//! shortcut is off: CORS headers are added in one place, around the router.
//!
//! [`Api`] is also the make-service `axum::serve` takes: each connection gets a handle that
//! knows the peer's address when authentication needs it (failed logins are logged with it).

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::Method;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::serve::{IncomingStream, Listener};
use tower_service::Service;

use crate::AppState;
use crate::auth::policy;
use crate::contexts;
use crate::http;
use crate::metrics::RouteMetrics;
use crate::routes;
use crate::tls::Peer;

/// The whole API as one service (see the module docs). Cloning it is one reference count:
/// `axum::serve` clones the service for every request.
#[derive(Clone)]
pub struct Api {
    shared: Arc<Shared>,
    /// The connection's remote address, kept only when authentication is on.
    peer: Option<Peer>,
}

struct Shared {
    router: Router,
    state: AppState,
    /// Whether [`Api::answer_from_cache`] may answer (not with CORS).
    shortcut: bool,
    /// The by-id route's metrics, looked up once.
    by_id: RouteMetrics,
}

impl Api {
    /// `router` (the routed API over `state`) with the by-id shortcut in front.
    pub(crate) fn new(router: Router, state: AppState) -> Api {
        let shortcut = state.config.cors.is_none();
        let by_id = state.metrics.route(routes::schemas::BY_ID);
        Api {
            shared: Arc::new(Shared {
                router,
                state,
                shortcut,
                by_id,
            }),
            peer: None,
        }
    }

    /// The routed API alone, without the shortcut: what every request the shortcut does not
    /// answer goes through. For tests that compare the two.
    pub fn router(&self) -> Router {
        self.shared.router.clone()
    }

    /// The by-id answer from the cache, or `None` to route the request.
    fn answer_from_cache(&self, request: &Request) -> Option<Response> {
        let shared = &*self.shared;
        if !shared.shortcut || request.method() != Method::GET {
            return None;
        }
        let started = Instant::now();
        let uri = request.uri();
        let id = routes::schemas::plain_by_id(uri.path(), uri.query())?;
        if let Some(auth) = &shared.state.config.auth {
            // Only credentials known to be good, for an id the principal is known to be
            // allowed to read; everything else (first logins, refusals, ids whose holders
            // are not cached) is decided, counted and logged on the routed path.
            let principal = auth.known_principal(request.headers())?;
            if !policy::may_read_id_cached(&shared.state, &principal, contexts::DEFAULT_CONTEXT, id)
            {
                return None;
            }
        }
        let response = routes::schemas::cached_by_id(&shared.state, id)?;
        // A client that accepts none of our media types gets its 406 from the router.
        let chosen = http::choose_media_type(request.headers())?;
        let response = http::answer_in(response, chosen);
        let elapsed = started.elapsed();
        shared
            .by_id
            .observe(&Method::GET, response.status(), elapsed);
        http::log_answer(&Method::GET, uri.path(), response.status(), elapsed);
        Some(response)
    }
}

impl Service<Request> for Api {
    type Response = Response;
    type Error = Infallible;
    type Future = ApiFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> ApiFuture {
        if let Some(response) = self.answer_from_cache(&request) {
            return ApiFuture::Answered(ready(Ok(response)));
        }
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        ApiFuture::Routed(self.shared.router.clone().call(request))
    }
}

/// One handle per connection, with the peer's address when authentication is on.
impl<L> Service<IncomingStream<'_, L>> for Api
where
    L: Listener<Addr = SocketAddr>,
{
    type Response = Api;
    type Error = Infallible;
    type Future = Ready<Result<Api, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, L>) -> Self::Future {
        let peer = self
            .shared
            .state
            .config
            .auth
            .is_some()
            .then(|| Peer(*stream.remote_addr()));
        ready(Ok(Api {
            shared: Arc::clone(&self.shared),
            peer,
        }))
    }
}

/// The answer of [`Api`]: ready at once from the cache, or the router's.
pub enum ApiFuture {
    /// Answered by the shortcut.
    Answered(Ready<Result<Response, Infallible>>),
    /// Routed.
    Routed(RouteFuture<Infallible>),
}

impl Future for ApiFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            ApiFuture::Answered(answer) => Pin::new(answer).poll(cx),
            ApiFuture::Routed(routed) => Pin::new(routed).poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower_http::cors::CorsLayer;

    use crate::store::sqlite::SqliteStore;
    use crate::{Config, app};

    const SCHEMA: &str = r#"{"schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}"}"#;

    fn request(method: Method, uri: &str, body: &'static str) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/vnd.schemaregistry.v1+json")
            .body(Body::from(body))
            .expect("a valid request")
    }

    async fn registry(dir: &std::path::Path, config: Config) -> Api {
        let store = SqliteStore::open_file(&dir.join("registry.db"))
            .await
            .expect("a fresh SQLite file opens");
        let api = app(AppState::new(Arc::new(store), config));
        let registered = api
            .router()
            .call(request(Method::POST, "/subjects/a-value/versions", SCHEMA))
            .await
            .expect("infallible");
        assert_eq!(registered.status(), 200);
        api
    }

    #[tokio::test]
    async fn the_shortcut_answers_cached_ids_only() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut api = registry(dir.path(), Config::default()).await;
        let read = || request(Method::GET, "/schemas/ids/1", "");
        // Registering does not cache the by-id answer; the first read is routed and does.
        assert!(api.answer_from_cache(&read()).is_none());
        let routed = api.call(read()).await.expect("infallible");
        assert_eq!(routed.status(), 200);
        let shortcut = api
            .answer_from_cache(&read())
            .expect("cached after the first read");
        assert_eq!(shortcut.status(), 200);
        for routed_only in [
            request(Method::GET, "/schemas/ids/1?subject=a-value", ""),
            request(Method::GET, "/schemas/ids/1?fetchMaxId=true", ""),
            request(Method::GET, "/schemas/ids/1/", ""),
            request(Method::GET, "/schemas/ids/2", ""),
            request(Method::HEAD, "/schemas/ids/1", ""),
            request(Method::GET, "/schemas/ids/1/schema", ""),
        ] {
            let uri = routed_only.uri().clone();
            assert!(api.answer_from_cache(&routed_only).is_none(), "{uri}");
        }
        assert!(
            api.answer_from_cache(&request(Method::GET, "/schemas/ids/1?fetchMaxId=false", ""))
                .is_some()
        );
    }

    #[tokio::test]
    async fn with_auth_the_shortcut_answers_known_principals_allowed_the_id() {
        use crate::auth::{Auth, file, secret};
        let token = |name: &str| {
            let digest = secret::hex(&secret::sha256(&[format!("stele_{name}").as_bytes()]));
            format!("[[tokens]]\nname = \"{name}\"\nsha256 = \"{digest}\"\n")
        };
        let text = format!(
            "{}{}{}[[acl]]\nprincipal = \"all\"\npermission = \"write\"\n\
             [[acl]]\nprincipal = \"some\"\npermission = \"read\"\nsubjects = \"a-*\"\n\
             [[acl]]\nprincipal = \"other\"\npermission = \"read\"\nsubjects = \"b-*\"\n",
            token("all"),
            token("some"),
            token("other")
        );
        let auth = Auth::from_accounts(file::parse(&text).expect("a valid auth file"))
            .expect("accounts load");
        let config = Config {
            auth: Some(Arc::new(auth)),
            ..Config::default()
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open_file(&dir.path().join("registry.db"))
            .await
            .expect("a fresh SQLite file opens");
        let mut api = app(AppState::new(Arc::new(store), config));
        let as_principal = |name: &str, method: Method, uri: &str, body: &'static str| {
            let mut request = request(method, uri, body);
            let value = format!("Bearer stele_{name}")
                .parse()
                .expect("a header value");
            request.headers_mut().insert("authorization", value);
            request
        };
        let registered = api
            .call(as_principal(
                "all",
                Method::POST,
                "/subjects/a-value/versions",
                SCHEMA,
            ))
            .await
            .expect("infallible");
        assert_eq!(registered.status(), 200);
        let read = |name: &str| as_principal(name, Method::GET, "/schemas/ids/1", "");
        // The first read fills the schema cache; the global reader takes the shortcut next.
        assert_eq!(
            api.call(read("all")).await.expect("infallible").status(),
            200
        );
        assert!(api.answer_from_cache(&read("all")).is_some());
        // A reader of `a-*` is not known to be allowed until the holders are cached, which
        // its first (routed) read does; a reader of `b-*` never is.
        assert!(api.answer_from_cache(&read("some")).is_none());
        assert_eq!(
            api.call(read("some")).await.expect("infallible").status(),
            200
        );
        assert!(api.answer_from_cache(&read("some")).is_some());
        assert!(api.answer_from_cache(&read("other")).is_none());
        assert_eq!(
            api.call(read("other")).await.expect("infallible").status(),
            404
        );
        // Unknown or missing credentials are the router's (401, counted and logged).
        assert!(api.answer_from_cache(&read("nobody")).is_none());
        assert!(
            api.answer_from_cache(&request(Method::GET, "/schemas/ids/1", ""))
                .is_none()
        );
    }

    #[tokio::test]
    async fn cors_turns_the_shortcut_off() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = Config {
            cors: Some(CorsLayer::new()),
            ..Config::default()
        };
        let mut api = registry(dir.path(), config).await;
        let read = || request(Method::GET, "/schemas/ids/1", "");
        assert_eq!(api.call(read()).await.expect("infallible").status(), 200);
        assert!(api.answer_from_cache(&read()).is_none());
    }
}
