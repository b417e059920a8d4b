//! Host bindings for the `python-runner` world (`wit/python.wit`). Its
//! imports are the activity world's (`chaos:activity/log` and WASI), which
//! the activity linker already provides, so only the exports are used here.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "python-runner",
    exports: { default: async },
});
