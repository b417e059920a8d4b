//! What activities ask for: an experiment's `grants` block, one
//! [`Capability`] per kind of authority.

use serde::Deserialize;

/// The capabilities one activity requests, Deno-style. Everything is denied
/// unless listed here **and** allowed by the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Directories the activity may read, as the experiment names them
    /// (relative paths resolve against the run's working directory).
    #[serde(default)]
    pub read: Vec<String>,
    /// Directories the activity may read and write.
    #[serde(default)]
    pub write: Vec<String>,
    /// `host:port` (or `host` for any port) the activity may connect to,
    /// through `wasi:sockets` or `wasi:http`.
    #[serde(default)]
    pub net: Vec<String>,
    /// Environment variables the activity may read.
    #[serde(default)]
    pub env: Vec<String>,
    /// Programs a `process` provider runs (outside the sandbox). Not part of
    /// a wasm provider's `grants`: components cannot run programs.
    #[serde(skip)]
    pub run: Vec<String>,
}

impl Grants {
    /// Every (capability, value) pair requested.
    pub fn requests(&self) -> impl Iterator<Item = (Capability, &str)> {
        self.read
            .iter()
            .map(|v| (Capability::Read, v.as_str()))
            .chain(self.write.iter().map(|v| (Capability::Write, v.as_str())))
            .chain(self.net.iter().map(|v| (Capability::Net, v.as_str())))
            .chain(self.env.iter().map(|v| (Capability::Env, v.as_str())))
            .chain(self.run.iter().map(|v| (Capability::Run, v.as_str())))
    }

    /// Whether nothing is requested.
    pub fn is_empty(&self) -> bool {
        self.requests().next().is_none()
    }
}

/// A kind of authority an activity can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Read files under a directory.
    Read,
    /// Read and write files under a directory.
    Write,
    /// Connect to a host and port.
    Net,
    /// Read an environment variable.
    Env,
    /// Run a program, outside the sandbox.
    Run,
}

impl Capability {
    /// The operator flag that allows this capability.
    pub fn flag(self) -> &'static str {
        match self {
            Capability::Read => "--allow-read",
            Capability::Write => "--allow-write",
            Capability::Net => "--allow-net",
            Capability::Env => "--allow-env",
            Capability::Run => "--allow-run",
        }
    }

    /// The capability's name, as in `grants` blocks and policy files
    /// (`read`, `net`).
    pub fn name(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Write => "write",
            Capability::Net => "net",
            Capability::Env => "env",
            Capability::Run => "run",
        }
    }

    /// A few words for messages: "read access to".
    pub fn noun(self) -> &'static str {
        match self {
            Capability::Read => "read access to",
            Capability::Write => "write access to",
            Capability::Net => "network access to",
            Capability::Env => "the environment variable",
            Capability::Run => "to run the program",
        }
    }
}
