//! Grants turned into WASI capabilities, in two phases: each grant is
//! *prepared* once per run (directories opened once, beneath what the
//! operator allows, and held; host
//! names resolved, environment values read), then *applied* to a fresh
//! [`WasiCtxBuilder`] for every call, which does no I/O: the granted
//! directories are the open handles, shared.
//!
//! By default ([`PreparedGrants::none`]) nothing is granted: no preopened
//! directory, no environment variable, no socket, no name lookup, no HTTP.

mod env;
mod fs;
mod http;
pub(crate) mod lookup;
mod net;
mod pinned;
mod ranges;

pub use env::PreparedEnvGrant;
pub use fs::PreparedFsGrant;
pub(crate) use http::HttpPolicy;
pub use net::PreparedNetGrant;
pub(crate) use pinned::tls_config;

use crate::denials::DenialLog;
use chaos_core::grants::{Grants, Permissions};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

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
    /// A granted directory cannot be opened beneath any directory the
    /// operator allows for it: a symlink (or `..`) that leaves the allowed
    /// directory, planted before the grant was prepared.
    #[error(
        "granted path `{path}` does not stay within the directories the operator allows ({reason}); a symlink that leaves them is refused"
    )]
    OutsideAllowance {
        /// The path as granted.
        path: String,
        /// Why: the operating system's error, naming the allowed directory.
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
    /// A granted host name resolves only to special addresses (loopback,
    /// private, link-local, ...) that are not granted themselves.
    #[error(
        "granted host `{host}` resolves only to special addresses ({}): a name may not lead to loopback, private or link-local addresses unless the address itself is granted (for example --allow-net={})",
        .addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        .addrs.first().map(flag_host).unwrap_or_default()
    )]
    SpecialAddresses {
        /// The host name.
        host: String,
        /// What it resolved to.
        addrs: Vec<std::net::IpAddr>,
    },
}

/// `ip` as written in `--allow-net` (IPv6 bracketed).
fn flag_host(ip: &std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    }
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

    /// Prepares `grants` for a caller that confines granted directories to
    /// nothing more than the paths themselves: as [`Self::prepare_within`]
    /// with every directory allowed ([`Permissions::allow_all`]).
    ///
    /// # Errors
    /// As [`Self::prepare_within`].
    pub async fn prepare(
        grants: &Grants,
        base_dir: &Path,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, GrantError> {
        Self::prepare_within(grants, base_dir, &Permissions::allow_all(base_dir), env).await
    }

    /// Prepares `grants`: paths resolve against `base_dir` and must be
    /// existing directories, each opened once beneath the directory of
    /// `allowed` it falls under (refusing symlinks that leave it) and held;
    /// host names are resolved now; each granted environment variable is
    /// read once with `env` (the process environment is
    /// `|name| std::env::var_os(name)`).
    ///
    /// # Errors
    /// The first grant that cannot be prepared, in the order filesystem,
    /// environment, network.
    pub async fn prepare_within(
        grants: &Grants,
        base_dir: &Path,
        allowed: &Permissions,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, GrantError> {
        let fs = PreparedFsGrant::prepare(grants, base_dir, allowed)?;
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

    /// Builds `wasi` with exactly these grants; the checks that refuse what
    /// is not granted record each refusal in `denials`. No system call:
    /// the granted directories are the ones opened when preparing.
    pub fn build(&self, wasi: &mut WasiCtxBuilder, denials: &DenialLog) -> WasiCtx {
        self.env.apply(wasi);
        self.net.apply(wasi, denials.clone());
        let mut ctx = wasi.build();
        self.fs.install(&mut ctx);
        ctx
    }
}
