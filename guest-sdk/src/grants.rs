//! Telling a denial from an answer. WASI shows a guest nothing outside the
//! directories it was granted (preopened): opening such a path fails as if
//! it did not exist (`ENOENT`), which an activity must not report as
//! "absent". [`require_path`] checks a path against the preopens the way
//! wasi-libc resolves it, so the activity can fail with
//! [`ActivityError::CapabilityDenied`] instead.

use crate::ActivityError;

/// Fails with [`ActivityError::CapabilityDenied`] when `path` lies outside
/// every directory preopened for this activity (after resolving it against
/// the current directory, as `std::fs` does).
///
/// # Errors
/// [`ActivityError::CapabilityDenied`], naming the path and saying it is
/// not granted.
pub fn require_path(path: &str) -> Result<(), ActivityError> {
    if preopened(path) {
        Ok(())
    } else {
        Err(ActivityError::CapabilityDenied(format!(
            "{path}: not granted to this activity (outside every directory it may read or write)"
        )))
    }
}

/// Whether wasi-libc finds a preopened directory through which `path`
/// would be opened.
#[cfg(target_os = "wasi")]
fn preopened(path: &str) -> bool {
    use std::ffi::{CString, c_char, c_int};

    unsafe extern "C" {
        /// wasi-libc (`wasi/libc-find-relpath.h`): the preopened descriptor
        /// through which `path` would be opened, or -1.
        fn __wasilibc_find_relpath(
            path: *const c_char,
            abs_prefix: *mut *const c_char,
            relative_path: *mut *mut c_char,
            relative_path_len: usize,
        ) -> c_int;
    }

    // A path with a NUL byte cannot be opened at all: std refuses it
    // before WASI sees it, so it is not a denial.
    let Ok(c_path) = CString::new(path) else { return true };
    // Room for the current directory and the path, so the buffer never
    // runs short (which would also answer -1).
    let mut buffer = vec![0u8; path.len() + 4097];
    let mut relative = buffer.as_mut_ptr().cast::<c_char>();
    let mut prefix: *const c_char = std::ptr::null();
    // SAFETY: `c_path` is NUL-terminated; `prefix` and `relative` are valid
    // out-pointers; `relative` points to `buffer.len()` writable bytes,
    // which outlive the call.
    let fd = unsafe { __wasilibc_find_relpath(c_path.as_ptr(), &mut prefix, &mut relative, buffer.len()) };
    fd != -1
}

/// Outside WASI there are no preopens to check (the SDK's activities only
/// run as components): every path passes.
#[cfg(not(target_os = "wasi"))]
fn preopened(_path: &str) -> bool {
    true
}
