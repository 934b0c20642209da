//! Request metrics for `GET /metrics`, in the Prometheus text exposition format (0.0.4).
//!
//! Series are labelled by the matched route template (`/schemas/ids/{id}`, never the raw
//! path), the method and the status class, so the number of series is bounded by the routes
//! the API has, whatever clients send. Requests that match no route share `route="unmatched"`.
//!
//! This is a small hand-written registry rather than the `metrics` crate with its Prometheus
//! exporter. That exporter installs one process-wide recorder, while tests run many registries
//! in one process and each must count only its own requests. Recording a request costs one
//! uncontended read lock, a hash of the route template and two relaxed atomic additions, with
//! no allocation and no label formatting; the by-id read (the hot path producers and consumers
//! make) holds its route's series ([`RouteMetrics`]) and skips the lock and the hash.
//! Rendering happens only when scraped.
//!
//! Left out: per-subject series (unbounded), summaries and quantiles (compute them from the
//! histogram buckets), OpenMetrics exemplars.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency buckets, in seconds; a by-id read from the cache takes well
/// under a millisecond, a registration of a large schema can take seconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The methods given their own label value; anything else is `OTHER`.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "OTHER"];

/// Status classes `1xx` to `5xx`.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The route label of requests that matched no route (unknown paths, refused media types).
const UNMATCHED: &str = "unmatched";

/// One histogram: per-bucket counts (not cumulative; the last slot is above every bound) and
/// the sum of durations. The request count is the sum of the buckets, so a scrape always sees
/// `+Inf` equal to `_count`.
#[derive(Debug)]
struct Series {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Series {
    fn new() -> Series {
        Series {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_nanos: AtomicU64::new(0),
        }
    }

    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// Every series of one route template: methods x status classes.
#[derive(Debug)]
struct RouteSeries([[Series; CLASSES.len()]; METHODS.len()]);

impl RouteSeries {
    fn new() -> RouteSeries {
        RouteSeries(std::array::from_fn(|_| {
            std::array::from_fn(|_| Series::new())
        }))
    }

    fn observe(&self, method: &Method, status: StatusCode, elapsed: Duration) {
        let method = match *method {
            Method::GET => 0,
            Method::POST => 1,
            Method::PUT => 2,
            Method::DELETE => 3,
            _ => 4,
        };
        let class = usize::from(status.as_u16() / 100)
            .saturating_sub(1)
            .min(CLASSES.len() - 1);
        self.0[method][class].observe(elapsed);
    }
}

/// The series of one route template, looked up once ([`Metrics::route`]) for a caller that
/// records many requests of that route: recording then takes no lock and no hashing.
#[derive(Debug, Clone)]
pub struct RouteMetrics(Arc<RouteSeries>);

impl RouteMetrics {
    /// Records one answered request of this route.
    pub fn observe(&self, method: &Method, status: StatusCode, elapsed: Duration) {
        self.0.observe(method, status, elapsed);
    }
}

/// The registry's metrics; one per [`crate::AppState`].
#[derive(Debug)]
pub struct Metrics {
    /// When this registry started, in seconds since the Unix epoch.
    started: f64,
    routes: RwLock<HashMap<Box<str>, Arc<RouteSeries>>>,
    rejections: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        Metrics {
            started,
            routes: RwLock::new(HashMap::new()),
            rejections: AtomicU64::new(0),
        }
    }
}

/// Counts of what the store holds, read when scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inventory {
    /// Distinct schema ids that still resolve (used by a live or soft-deleted version).
    pub schemas: u64,
    /// Subjects with at least one live version.
    pub subjects: u64,
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        {
            let routes = self
                .routes
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(series) = routes.get(route) {
                series.observe(method, status, elapsed);
                return;
            }
        }
        // First request on this route: the only write, once per route template.
        self.route(route).observe(method, status, elapsed);
    }

    /// The series of `route`, created if it has none yet. A route appears in the exposition
    /// once it has answered a request, not before.
    pub fn route(&self, route: &str) -> RouteMetrics {
        let mut routes = self
            .routes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let series = routes
            .entry(route.into())
            .or_insert_with(|| Arc::new(RouteSeries::new()));
        RouteMetrics(Arc::clone(series))
    }

    /// Counts a registration refused as incompatible (409 40901).
    pub fn compatibility_rejected(&self) {
        self.rejections.fetch_add(1, Ordering::Relaxed);
    }

    /// The whole exposition text.
    pub fn render(&self, inventory: Inventory) -> String {
        let mut out = String::with_capacity(4096);
        self.render_requests(&mut out);
        let rejections = self.rejections.load(Ordering::Relaxed);
        let gauges: [(&str, &str, &str, String); 4] = [
            (
                "stele_compatibility_rejections_total",
                "counter",
                "Registrations refused because the schema is incompatible (409, error code 40901).",
                rejections.to_string(),
            ),
            (
                "stele_schemas",
                "gauge",
                "Distinct schema ids that still resolve (used by a live or soft-deleted version).",
                inventory.schemas.to_string(),
            ),
            (
                "stele_subjects",
                "gauge",
                "Subjects with at least one live version.",
                inventory.subjects.to_string(),
            ),
            (
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since the Unix epoch, in seconds.",
                format!("{:.3}", self.started),
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }

    /// The request counter and the latency histogram, routes sorted for a stable output.
    fn render_requests(&self, out: &mut String) {
        let routes = self
            .routes
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut names: Vec<&Box<str>> = routes.keys().collect();
        names.sort();
        // (labels, per-bucket counts, sum) of every series with at least one request.
        let mut rows = Vec::new();
        for name in names {
            let Some(series) = routes.get(name) else {
                continue;
            };
            for (method, by_class) in METHODS.iter().zip(&series.0) {
                for (class, one) in CLASSES.iter().zip(by_class) {
                    let counts: Vec<u64> = one
                        .buckets
                        .iter()
                        .map(|b| b.load(Ordering::Relaxed))
                        .collect();
                    if counts.iter().all(|c| *c == 0) {
                        continue;
                    }
                    let labels = format!(
                        "route=\"{}\",method=\"{method}\",status=\"{class}\"",
                        escape(name)
                    );
                    let sum = one.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
                    rows.push((labels, counts, sum));
                }
            }
        }
        drop(routes);

        out.push_str(
            "# HELP stele_http_requests_total HTTP requests answered, by route template, \
             method and status class.\n# TYPE stele_http_requests_total counter\n",
        );
        for (labels, counts, _) in &rows {
            let total: u64 = counts.iter().sum();
            let _ = writeln!(out, "stele_http_requests_total{{{labels}}} {total}");
        }
        let name = "stele_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from receiving a request to answering it, by route template, \
             method and status class.\n# TYPE {name} histogram"
        );
        for (labels, counts, sum) in &rows {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(counts) {
                cumulative += count;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let total: u64 = counts.iter().sum();
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {total}");
            let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "{name}_count{{{labels}}} {total}");
        }
    }
}

/// Escapes a label value as the exposition format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The route template a request matched, carried on the response from inside the router to
/// [`track`] outside it (the template is only known once routing has happened).
#[derive(Debug, Clone)]
struct RouteTemplate(MatchedPath);

/// Inner middleware (on the routed API): tags the response with the matched route template.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response.extensions_mut().insert(RouteTemplate(matched));
    }
    response
}

/// Outer middleware: times every request, including those refused before routing.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // A route matched by the outermost router (`/metrics` itself) is known already.
    let outer = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map(|t| &t.0)
        .or(outer.as_ref())
        .map_or(UNMATCHED, MatchedPath::as_str);
    metrics.observe(route, &method, response.status(), started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_the_count() {
        let metrics = Metrics::default();
        for micros in [50, 300, 300, 2_000_000, 9_000_000] {
            metrics.observe(
                "/schemas/ids/{id}",
                &Method::GET,
                StatusCode::OK,
                Duration::from_micros(micros),
            );
        }
        metrics.observe(
            "/schemas/ids/{id}",
            &Method::GET,
            StatusCode::NOT_FOUND,
            Duration::from_micros(1),
        );
        let odd = StatusCode::from_u16(599).expect("599 is in the valid range");
        metrics.observe("/x", &Method::PATCH, odd, Duration::ZERO);
        let text = metrics.render(Inventory::default());
        let ok = r#"route="/schemas/ids/{id}",method="GET",status="2xx""#;
        for line in [
            format!("stele_http_requests_total{{{ok}}} 5"),
            format!("stele_http_request_duration_seconds_bucket{{{ok},le=\"0.0001\"}} 1"),
            format!("stele_http_request_duration_seconds_bucket{{{ok},le=\"0.0005\"}} 3"),
            format!("stele_http_request_duration_seconds_bucket{{{ok},le=\"5\"}} 4"),
            format!("stele_http_request_duration_seconds_bucket{{{ok},le=\"+Inf\"}} 5"),
            format!("stele_http_request_duration_seconds_count{{{ok}}} 5"),
            r#"stele_http_requests_total{route="/schemas/ids/{id}",method="GET",status="4xx"} 1"#
                .to_string(),
            r#"stele_http_requests_total{route="/x",method="OTHER",status="5xx"} 1"#.to_string(),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        let sum_prefix = format!("stele_http_request_duration_seconds_sum{{{ok}}} ");
        let sum: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix(&sum_prefix))
            .and_then(|v| v.parse().ok())
            .expect("a sum line");
        assert!((sum - 11.00065).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
