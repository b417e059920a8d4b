//! Host bindings for the `chaos:activity` world (`wit/activity.wit`).

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "activity",
    exports: { default: async },
});
