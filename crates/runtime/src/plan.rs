//! The run plan: every activity of a validated experiment with the provider
//! that runs it (components loaded once per run), and the full table of
//! what the experiment asks for, checked once against the operator's
//! permissions before anything runs.
//!
//! Requests that depend on dynamic configuration (an http URL built from a
//! value a configuration probe computes) are not known before the run
//! starts: [`Plan::check`] checks everything else, and
//! [`CheckedPlan::check_configured`] checks those once the configuration
//! is computed, still before the first hypothesis probe.

use crate::audit::Audit;
use crate::providers::{Call, CallFuture, Provider, ProviderFactory, Requested};
use chaos_core::env_entries::EnvRequest;
use chaos_core::experiment::{Activity, Experiment, Provider as Declared};
use chaos_core::grants::{
    Capability, Consent, GrantRow, Grants, GrantsTable, MissingGrant, Permissions, RequestSource, RowKind, Status,
    UnsafeGrant, rerun_flags, unsafe_grants,
};
use chaos_core::substitution::Mapping;
use chaos_core::tolerance::Tolerance;
use chaos_sandbox::Limits;
use serde_json::Value;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// One activity and the provider that runs it.
pub struct PlannedActivity {
    /// The activity as validated.
    pub activity: Activity,
    /// What carries out its calls.
    pub provider: Arc<dyn Provider>,
    /// The probe that checks this activity's output, when its tolerance is
    /// a probe.
    pub tolerance_probe: Option<Arc<PlannedActivity>>,
}

impl PlannedActivity {
    /// Calls the activity's provider with `mapping`, and `value` as the
    /// `value` argument of a probe used as a tolerance. Denials are logged
    /// and not kept: [`PlannedActivity::call_audited`] keeps them.
    pub fn call<'a>(&'a self, mapping: &'a Mapping, value: Option<&'a Value>) -> CallFuture<'a> {
        Box::pin(async move {
            let audit = Audit::new(&self.activity.name);
            self.call_audited(mapping, value, &audit).await
        })
    }

    /// [`PlannedActivity::call`], recording each denial in `audit` (for the
    /// activity's run record).
    pub fn call_audited<'a>(
        &'a self,
        mapping: &'a Mapping,
        value: Option<&'a Value>,
        audit: &'a Audit,
    ) -> CallFuture<'a> {
        self.provider.call(Call {
            name: &self.activity.name,
            mapping,
            value,
            has_tolerance: self.activity.document.get("tolerance").is_some(),
            audit,
        })
    }
}

impl fmt::Debug for PlannedActivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlannedActivity")
            .field("name", &self.activity.name)
            .field("provider", &self.provider.kind())
            .finish_non_exhaustive()
    }
}

/// The steady-state hypothesis, planned.
#[derive(Debug)]
pub struct PlannedHypothesis {
    /// Its title.
    pub title: String,
    /// Its probes, each with a tolerance.
    pub probes: Vec<Arc<PlannedActivity>>,
}

/// What one activity asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRequest {
    /// The activity's name.
    pub activity: String,
    /// Its grants, or [`Requested::Deferred`] until configuration is known.
    pub requested: Requested,
}

/// A validated experiment, ready to run once checked.
#[derive(Debug)]
pub struct Plan {
    /// The experiment.
    pub experiment: Arc<Experiment>,
    /// Dynamic-configuration probes, by key, in declaration order.
    pub configuration: Vec<(String, Arc<PlannedActivity>)>,
    /// The steady-state hypothesis.
    pub hypothesis: Option<PlannedHypothesis>,
    /// The method.
    pub method: Vec<Arc<PlannedActivity>>,
    /// The rollbacks.
    pub rollbacks: Vec<Arc<PlannedActivity>>,
    /// The configuration's and secrets' env entries: in the capability
    /// table as `configuration:KEY` / `secrets:SCOPE.KEY` asking for
    /// `env: [VAR]`.
    pub env_requests: Vec<EnvRequest>,
    /// The compiled-component cache directory: no read or write grant may
    /// overlap it.
    pub cache_dir: Option<PathBuf>,
    /// The operator's default limits of each call (`--memory-limit`,
    /// `--timeout`, `--output-limit`, or the policy's).
    pub limits: Limits,
}

impl Plan {
    /// Plans every activity of `experiment` with `factory`'s providers.
    pub async fn new(experiment: Experiment, factory: &ProviderFactory) -> Self {
        let mut configuration = Vec::new();
        for (key, activity) in &experiment.dynamic_configuration {
            configuration.push((key.clone(), plan_activity(activity, factory).await));
        }
        let mut hypothesis = None;
        if let Some(h) = &experiment.hypothesis {
            let mut probes = Vec::new();
            for probe in &h.probes {
                probes.push(plan_activity(probe, factory).await);
            }
            hypothesis = Some(PlannedHypothesis { title: h.title.clone(), probes });
        }
        let mut method = Vec::new();
        for activity in &experiment.method {
            method.push(plan_activity(activity, factory).await);
        }
        let mut rollbacks = Vec::new();
        for activity in &experiment.rollbacks {
            rollbacks.push(plan_activity(activity, factory).await);
        }
        let cache_dir = factory.cache_dir().map(PathBuf::from);
        let limits = factory.limits();
        Self {
            limits,
            experiment: Arc::new(experiment),
            configuration,
            hypothesis,
            method,
            rollbacks,
            env_requests: Vec::new(),
            cache_dir,
        }
    }

    /// The plan with the env entries `requests` of the configuration and
    /// secrets ([`crate::prepare::Prepared::env_requests`]).
    #[must_use]
    pub fn with_env_requests(mut self, requests: Vec<EnvRequest>) -> Self {
        self.env_requests = requests;
        self
    }

    /// Every planned activity (configuration probes, hypothesis probes,
    /// method, rollbacks, and probes used as tolerances), in document order.
    pub fn activities(&self) -> Vec<&PlannedActivity> {
        let mut all: Vec<&PlannedActivity> = self.configuration.iter().map(|(_, a)| a.as_ref()).collect();
        let probes = self.hypothesis.iter().flat_map(|h| h.probes.iter());
        for planned in probes.chain(&self.method).chain(&self.rollbacks) {
            all.push(planned);
            if let Some(checker) = &planned.tolerance_probe {
                all.push(checker);
            }
        }
        all
    }

    /// The capability table: the env entries of the configuration and
    /// secrets, then what each activity asks for, with the values in
    /// `mapping`. Activities that ask for nothing are left out.
    pub fn requests(&self, mapping: &Mapping) -> Vec<ActivityRequest> {
        let env = self.env_requests.iter().map(|entry| ActivityRequest {
            activity: entry.declared_at.clone(),
            requested: Requested::Known(Grants { env: vec![entry.var.clone()], ..Grants::default() }),
        });
        env.chain(
            self.activities()
                .into_iter()
                .map(|planned| ActivityRequest {
                    activity: planned.activity.name.clone(),
                    requested: planned.provider.requested(mapping),
                })
                .filter(|request| request.requested != Requested::Known(Grants::default())),
        )
        .collect()
    }

    /// The grants table: every request of [`Plan::requests`] with where it
    /// comes from and what `consent` decides, then the limits raised above
    /// the built-in defaults (by the operator for every activity, or by a
    /// wasm provider's `timeout`, which never exceeds the operator's
    /// `--timeout`). A request that depends on dynamic configuration is a
    /// [`Status::Deferred`] row showing the URL as written.
    pub fn table(&self, consent: &Consent, mapping: &Mapping) -> GrantsTable {
        let mut table = GrantsTable::default();
        for entry in &self.env_requests {
            let source = if entry.declared_at.starts_with("secrets:") {
                RequestSource::Secrets
            } else {
                RequestSource::Configuration
            };
            let grants = Grants { env: vec![entry.var.clone()], ..Grants::default() };
            table.add_grants(&entry.declared_at, source, &grants, consent);
        }
        let cap = self.limits.timeout;
        for planned in self.activities() {
            let name = &planned.activity.name;
            let source = match &planned.activity.provider {
                Declared::Http(_) => RequestSource::HttpUrl,
                Declared::Process(_) => RequestSource::Program,
                // It declares no grants: it receives the operator's.
                Declared::Python(_) => RequestSource::Operator,
                _ => RequestSource::Grants,
            };
            match planned.provider.requested(mapping) {
                Requested::Known(grants) => table.add_grants(name, source, &grants, consent),
                Requested::Deferred => table.rows.push(GrantRow {
                    activity: name.clone(),
                    kind: RowKind::Grant(Capability::Net),
                    value: match &planned.activity.provider {
                        Declared::Http(http) => http.url.clone(),
                        _ => String::new(),
                    },
                    source,
                    status: Status::Deferred,
                }),
            }
            if let Declared::Wasm(wasm) = &planned.activity.provider
                && let Some(secs) = wasm.timeout.filter(|s| *s > Limits::DEFAULT_TIMEOUT.as_secs_f64())
            {
                let value = if secs > cap.as_secs_f64() {
                    format!("{secs}s, lowered to the operator's {}s", cap.as_secs_f64())
                } else {
                    format!("{secs}s")
                };
                let status = Status::Allowed { by: consent.limits_origin() };
                let row = GrantRow {
                    activity: name.clone(),
                    kind: RowKind::Timeout,
                    value,
                    source: RequestSource::ProviderTimeout,
                    status,
                };
                table.rows.push(row);
            }
        }
        let operator = |kind, value| GrantRow {
            activity: "*".to_string(),
            kind,
            value,
            source: RequestSource::Operator,
            status: Status::Allowed { by: consent.limits_origin() },
        };
        if self.limits.memory > Limits::DEFAULT_MEMORY {
            table.rows.push(operator(RowKind::Memory, format!("{} MiB", self.limits.memory >> 20)));
        }
        if cap > Limits::DEFAULT_TIMEOUT {
            table.rows.push(operator(RowKind::Timeout, format!("{}s", cap.as_secs_f64())));
        }
        table
    }

    /// Checks every request known with `mapping` (the configuration without
    /// its dynamic keys) against `permissions`.
    ///
    /// # Errors
    /// [`GrantsRefused`] listing every request the operator did not allow,
    /// and every request refused whatever the operator allows
    /// ([`unsafe_grants`]).
    pub fn check(self, permissions: &Permissions, mapping: &Mapping) -> Result<CheckedPlan, GrantsRefused> {
        refuse_missing(permissions, &self.requests(mapping), self.cache_dir.as_deref())?;
        Ok(CheckedPlan { plan: self })
    }
}

/// A plan whose known requests the operator allows. Only a checked plan
/// can be run.
#[derive(Debug)]
pub struct CheckedPlan {
    plan: Plan,
}

impl CheckedPlan {
    /// Checks the requests that depended on dynamic configuration, now that
    /// `mapping` holds its values.
    ///
    /// # Errors
    /// [`GrantsRefused`] listing every request the operator did not allow,
    /// and every request refused whatever the operator allows.
    pub fn check_configured(&self, permissions: &Permissions, mapping: &Mapping) -> Result<(), GrantsRefused> {
        refuse_missing(permissions, &self.plan.requests(mapping), self.plan.cache_dir.as_deref())
    }
}

impl std::ops::Deref for CheckedPlan {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        &self.plan
    }
}

/// The operator did not allow some requests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GrantsRefused {
    /// Each request not allowed, with the flag that would allow it.
    pub missing: Vec<MissingGrant>,
    /// Each request refused whatever the operator allows, with why.
    pub unsafe_grants: Vec<UnsafeGrant>,
}

impl fmt::Display for GrantsRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.missing.is_empty() {
            write!(
                f,
                "Refusing to run: the experiment asks for {} grant(s) that were not allowed:",
                self.missing.len()
            )?;
            for missing in &self.missing {
                write!(f, "\n  {missing}")?;
            }
        }
        let not_denied = self.missing.iter().filter(|m| m.denied_by.is_none());
        if let Some(flags) = rerun_flags(not_denied.map(|m| (m.capability, m.value.clone()))) {
            write!(f, "\nrerun with: {flags}")?;
        }
        if !self.unsafe_grants.is_empty() {
            if !self.missing.is_empty() {
                writeln!(f)?;
            }
            write!(
                f,
                "Refusing to run: the experiment asks for {} grant(s) that would let a guest change what the host runs:",
                self.unsafe_grants.len()
            )?;
            for refused in &self.unsafe_grants {
                write!(f, "\n  {refused}")?;
            }
        }
        Ok(())
    }
}

fn refuse_missing(
    permissions: &Permissions,
    requests: &[ActivityRequest],
    cache_dir: Option<&std::path::Path>,
) -> Result<(), GrantsRefused> {
    let known: Vec<_> = requests
        .iter()
        .filter_map(|r| match &r.requested {
            Requested::Known(grants) => Some((r.activity.as_str(), grants)),
            Requested::Deferred => None,
        })
        .collect();
    let missing = permissions.missing(known.iter().copied());
    let unsafe_grants = unsafe_grants(&permissions.base_dir, known, cache_dir);
    if missing.is_empty() && unsafe_grants.is_empty() { Ok(()) } else { Err(GrantsRefused { missing, unsafe_grants }) }
}

async fn plan_activity(activity: &Activity, factory: &ProviderFactory) -> Arc<PlannedActivity> {
    let tolerance_probe = match &activity.tolerance {
        Some(Tolerance::Probe(checker)) => Some(Arc::new(PlannedActivity {
            activity: (**checker).clone(),
            provider: factory.plan(checker).await,
            tolerance_probe: None,
        })),
        _ => None,
    };
    Arc::new(PlannedActivity { activity: activity.clone(), provider: factory.plan(activity).await, tolerance_probe })
}
