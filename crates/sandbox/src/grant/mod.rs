//! Grants turned into WASI capabilities, in two phases: each grant is
//! *prepared* once per run (directories canonicalised and checked, host
//! names resolved, environment values read), then *applied* to a fresh
//! [`WasiCtxBuilder`] for every call, which does no I/O beyond opening the
//! granted directories.
//!
//! By default ([`PreparedGrants::none`]) nothing is granted: no preopened
//! directory, no environment variable, no socket, no name lookup, no HTTP.

mod env;
mod fs;
mod http;
mod net;

pub use env::PreparedEnvGrant;
pub use fs::PreparedFsGrant;
pub(crate) use http::HttpPolicy;
pub use net::PreparedNetGrant;

use crate::denials::DenialLog;
use chaos_core::grants::Grants;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime_wasi::WasiCtxBuilder;

/// Why a grant could not be prepared or applied. Each message completes the
/// sentence "activity 'x' could not be given its grants: ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// A granted path is not an existing directory.
    #[error("granted path `{path}` ({}) is not an existing directory; grants name directories", .host.display())]
    NotADirectory {
        /// The path as granted.
        path: String,
        /// Where it resolved on the host.
        host: PathBuf,
    },
    /// A granted directory could not be opened.
    #[error("cannot open granted directory `{path}`: {reason}")]
    OpenDirectory {
        /// The path as granted.
        path: String,
        /// The operating system's error.
        reason: String,
    },
    /// A network grant is not `host[:port]`.
    #[error(transparent)]
    BadHost(#[from] chaos_core::grants::HostPortError),
    /// A granted host name does not resolve.
    #[error("cannot resolve granted host `{host}`: {reason}")]
    Unresolved {
        /// The host name.
        host: String,
        /// The resolver's error.
        reason: String,
    },
}

/// Every grant of one activity, prepared once per run and applied to each of
/// its calls. Cheap to share: the run plan holds it in an [`Arc`].
#[derive(Debug, Default)]
pub struct PreparedGrants {
    fs: PreparedFsGrant,
    env: PreparedEnvGrant,
    net: Arc<PreparedNetGrant>,
}

impl PreparedGrants {
    /// Nothing granted.
    pub fn none() -> Self {
        Self::default()
    }

    /// Prepares `grants`: paths resolve against `base_dir` and must be
    /// existing directories; host names are resolved now; each granted
    /// environment variable is read once with `env` (the process
    /// environment is `|name| std::env::var_os(name)`).
    ///
    /// # Errors
    /// The first grant that cannot be prepared, in the order filesystem,
    /// environment, network.
    pub async fn prepare(
        grants: &Grants,
        base_dir: &Path,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, GrantError> {
        let fs = PreparedFsGrant::prepare(grants, base_dir)?;
        let env = PreparedEnvGrant::prepare(&grants.env, env);
        let net = Arc::new(PreparedNetGrant::prepare(&grants.net).await?);
        Ok(Self { fs, env, net })
    }

    /// The directories granted.
    pub fn fs(&self) -> &PreparedFsGrant {
        &self.fs
    }

    /// The environment granted.
    pub fn env(&self) -> &PreparedEnvGrant {
        &self.env
    }

    /// The network granted.
    pub fn net(&self) -> &Arc<PreparedNetGrant> {
        &self.net
    }

    /// Gives `wasi` exactly these grants; the checks that refuse what is not
    /// granted record each refusal in `denials`.
    ///
    /// # Errors
    /// A granted directory that can no longer be opened.
    pub fn apply(&self, wasi: &mut WasiCtxBuilder, denials: &DenialLog) -> Result<(), GrantError> {
        self.fs.apply(wasi)?;
        self.env.apply(wasi);
        self.net.apply(wasi, denials.clone());
        Ok(())
    }
}
