//! `wasi:sockets/ip-name-lookup`, answered from the network grant.
//!
//! wasmtime-wasi 48 offers only an on/off switch for name lookups
//! (`allow_ip_name_lookup`): on, a guest can resolve any name, which sends a
//! DNS query of its choosing out of the host (a channel to leak data
//! through). Its `WasiCtxBuilder` has no lookup hook, so the sandbox
//! replaces the whole interface in the shared linker (shadowing wasmtime's
//! definitions) with this one, built on wasmtime-wasi's public types:
//! `resolve-addresses` answers from [`PreparedNetGrant::lookup`], which
//! knows only the granted names and the addresses the host resolved for
//! them when the grant was prepared, and never asks a resolver. Any other
//! name is refused with `access-denied` (a guest's libc reports it as
//! "permission denied", not as "name not found"). wasmtime's own lookup
//! stays switched off in every call's context.

use super::net::{LookupRefused, PreparedNetGrant};
use crate::denials::DenialLog;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use wasmtime::component::{Linker, Resource, ResourceTable, ResourceType};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddress};
use wasmtime_wasi::p2::{DynPollable, Network, Pollable, subscribe};

/// The interface replaced (the version wasmtime-wasi 48 defines; guests
/// importing an older 0.2 version are linked to it by semver).
pub(crate) const INTERFACE: &str = "wasi:sockets/ip-name-lookup@0.2.12";

/// What the lookup needs from a call's host state.
pub(crate) trait LookupView: Send + 'static {
    /// The call's resource table, network grant and denial log.
    fn lookup_view(&mut self) -> (&mut ResourceTable, &PreparedNetGrant, &DenialLog);
}

/// The answer to one lookup (`resolve-address-stream`): ready at once.
pub(crate) struct Answer(std::vec::IntoIter<IpAddr>);

impl Pollable for Answer {
    fn ready<'a, 'b>(&'a mut self) -> Pin<Box<dyn Future<Output = ()> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(std::future::ready(()))
    }
}

/// Defines [`INTERFACE`] in `linker`, replacing wasmtime-wasi's definition.
///
/// # Errors
/// When wasmtime refuses the definitions.
pub(crate) fn add_to_linker<T: LookupView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut instance = linker.instance(INTERFACE)?;
    instance.resource("resolve-address-stream", ResourceType::host::<Answer>(), |mut store, rep| {
        store.data_mut().lookup_view().0.delete(Resource::<Answer>::new_own(rep))?;
        Ok(())
    })?;
    instance.func_wrap("resolve-addresses", |mut store, (network, name): (Resource<Network>, String)| {
        let (table, net, denials) = store.data_mut().lookup_view();
        table.get(&network)?;
        let answer = match net.lookup(&name) {
            Ok(addrs) => Ok(table.push(Answer(addrs.into_iter()))?),
            Err(LookupRefused::NoGrant | LookupRefused::NotGranted) => {
                denials.record("net", name.clone(), "name lookup of a host not granted");
                Err(ErrorCode::AccessDenied)
            }
        };
        Ok((answer,))
    })?;
    instance.func_wrap(
        "[method]resolve-address-stream.resolve-next-address",
        |mut store, (answer,): (Resource<Answer>,)| {
            let next = store.data_mut().lookup_view().0.get_mut(&answer)?.0.next();
            Ok((Ok::<Option<IpAddress>, ErrorCode>(next.map(IpAddress::from)),))
        },
    )?;
    instance.func_wrap("[method]resolve-address-stream.subscribe", |mut store, (answer,): (Resource<Answer>,)| {
        let pollable: Resource<DynPollable> = subscribe(store.data_mut().lookup_view().0, answer)?;
        Ok((pollable,))
    })?;
    linker.allow_shadowing(false);
    Ok(())
}
