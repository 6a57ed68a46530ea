//! Serving: bind, answer until SIGTERM or Ctrl-C; then report not-ready while still answering for the
//! drain period (so a load balancer notices before connections are refused), stop accepting, and let
//! in-flight requests finish within the grace period.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, Result};
use app::App;

pub async fn serve(app: App) -> Result<()> {
    let listen = app.config.listen.clone();
    let grace = Duration::from_secs(app.config.shutdown_grace_seconds);
    let drain = Duration::from_secs(app.config.shutdown_drain_seconds);
    let listener =
        tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let state = web::AppState::new(app.clone());
    let ready = state.ready.clone();
    let metrics = state.metrics.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            metrics.upkeep();
        }
    });
    let router = web::router(state);
    let housekeeping = tokio::spawn(housekeeping(app.clone()));
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let worker =
        app.config.run_worker.then(|| tokio::spawn(app::jobs::work(app.clone(), worker_name(), WORKER_TICK, stopped)));
    tracing::info!(address = %listen, database = app.db.backend(), "serving");
    let shutdown = async move {
        wait_for_signal().await;
        ready.store(false, Ordering::SeqCst);
        if !drain.is_zero() {
            tracing::info!(drain_seconds = drain.as_secs(), "shutting down: /readyz says 503, still answering");
            tokio::select! {
                () = tokio::time::sleep(drain) => {},
                () = wait_for_signal() => {},
            }
        }
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: no new connections, finishing in-flight requests"
        );
        // If requests outlive the grace period, stop anyway (a supervisor restarts us).
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            tracing::warn!("grace period over; exiting with requests still open");
            std::process::exit(0);
        });
    };
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error")?;
    let _ = stop_worker.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    housekeeping.abort();
    upkeep.abort();
    app.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often the worker looks for due reminders and queued jobs.
const WORKER_TICK: Duration = Duration::from_secs(30);

/// Names this process in the jobs table's leases: host and process id.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "anjian".into());
    format!("{host}:{}", std::process::id())
}

/// `anjian worker`: the background worker alone, until SIGTERM or Ctrl-C.
pub async fn work_alone(app: App) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(app::jobs::work(app.clone(), worker_name(), WORKER_TICK, stopped));
    wait_for_signal().await;
    let _ = stop.send(true);
    let _ = worker.await;
    app.db.close().await;
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Forgets expired sessions and old login failures, and deletes the parts of uploads nobody finished,
/// every ten minutes.
async fn housekeeping(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match app::auth::prune(&app, store::now()).await {
            Ok(n) if n > 0 => tracing::debug!(removed = n, "pruned sessions and login failures"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
        match app::files::sweep_expired_parts(&app).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "removed unfinished uploads past their expiry"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweeping unfinished uploads failed"),
        }
    }
}
