//! The service of the Chaos Toolkit tutorial ("Run your first experiment"):
//! it serves the content of an exchange file at `GET /`.
//!
//! When the file is missing, the [`Behaviour::Broken`] service fails with
//! `500 Internal Server Error` (the tutorial's weakness) and the
//! [`Behaviour::Fixed`] one answers `503 Service Unavailable`, which the
//! experiment's steady state tolerates.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How the service reacts to a missing exchange file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 500: the weakness the experiment finds.
    Broken,
    /// 503: the fix.
    Fixed,
}

struct Service {
    exchange_file: PathBuf,
    behaviour: Behaviour,
}

async fn exchange(State(service): State<Arc<Service>>) -> (StatusCode, String) {
    match tokio::fs::read_to_string(&service.exchange_file).await {
        Ok(content) => (StatusCode::OK, content),
        Err(e) => match service.behaviour {
            Behaviour::Broken => (StatusCode::INTERNAL_SERVER_ERROR, format!("Internal Server Error: {e}\n")),
            Behaviour::Fixed => {
                (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable: the exchange file is missing\n".to_string())
            }
        },
    }
}

/// The service's routes.
pub fn router(exchange_file: PathBuf, behaviour: Behaviour) -> Router {
    Router::new().route("/", get(exchange)).with_state(Arc::new(Service { exchange_file, behaviour }))
}

/// Serves on `listener` until the future is dropped or the process ends.
///
/// # Errors
/// When accepting connections fails.
pub async fn serve(listener: TcpListener, exchange_file: PathBuf, behaviour: Behaviour) -> std::io::Result<()> {
    axum::serve(listener, router(exchange_file, behaviour)).await
}
