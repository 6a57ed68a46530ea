//! Operations: liveness, readiness, Prometheus metrics, and the middleware that counts requests.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

use crate::AppState;

/// Request counters and latency histograms, kept per app (not in a global recorder, so tests and
/// several apps in one process do not mix their figures).
pub struct Metrics {
    recorder: PrometheusRecorder,
}

const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

impl Metrics {
    pub fn new() -> Metrics {
        let builder = PrometheusBuilder::new();
        let builder = match builder.set_buckets(&BUCKETS) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
        Metrics { recorder: builder.build_recorder() }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
        metrics::with_local_recorder(&self.recorder, || {
            metrics::counter!("http_requests_total", &labels).increment(1);
            metrics::histogram!("http_request_duration_seconds", &labels[..2]).record(seconds);
        });
    }

    /// Folds the latency samples recorded since the last call into the histograms. Without it the
    /// samples pile up until `/metrics` is next scraped; `serve` calls it every few seconds.
    pub fn upkeep(&self) {
        self.recorder.handle().run_upkeep();
    }

    fn render(&self, pool: (u32, u32, u32)) -> String {
        metrics::with_local_recorder(&self.recorder, || {
            metrics::gauge!("db_pool_connections").set(f64::from(pool.0));
            metrics::gauge!("db_pool_idle_connections").set(f64::from(pool.1));
            metrics::gauge!("db_pool_max_connections").set(f64::from(pool.2));
        });
        self.recorder.handle().render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Counts each request under its route template (never the raw path: ids would explode the
/// label set, and a report id in a label could identify a reporter).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16();
    state.metrics.observe(&method, &route, status, start.elapsed().as_secs_f64());
    if status >= 500 {
        tracing::warn!(%method, %route, status, "server error");
    }
    res
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when serving is not winding down, the database answers and its migrations are current.
async fn readyz(State(state): State<AppState>) -> Response {
    if !state.ready.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match state.app.db.migrations_current().await {
        Ok(true) => "ready".into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(state.app.db.pool_use());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics_text))
}
