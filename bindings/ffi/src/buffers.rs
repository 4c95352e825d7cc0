//! Two pointer-only buffer helpers for foreign callers that cannot pass a `RustBuffer` by value
//! cheaply (Java through JNA: a `Structure` per call costs more than the whole call; see
//! `../shared/reference/uniffi-foreign-bindings.md`). With these and the `uniffi_ffibuffer_*` twins
//! of every function, a `RustBuffer` only ever lives in foreign-owned memory as three 8-byte
//! slots (capacity, length, data pointer).
// The C ABI needs raw pointers; each function says what it requires of them.
#![allow(unsafe_code)]

use uniffi::RustBuffer;

/// Allocate a zeroed buffer of `size` bytes and write it (24 bytes) to `out`. The buffer then
/// belongs to the caller, who hands it to a call (which takes it) or frees it with
/// [`axme_ffi_rustbuffer_free_at`].
///
/// # Safety
/// `out` must point to 24 writable bytes, aligned to 8.
#[no_mangle]
pub unsafe extern "C" fn axme_ffi_rustbuffer_alloc_into(size: u64, out: *mut RustBuffer) {
    // SAFETY: the caller promises `out` is valid for a write of one RustBuffer.
    unsafe { out.write(RustBuffer::new_with_size(size)) };
}

/// Free the buffer stored at `buf` (one that Rust returned or allocated) and leave an empty
/// buffer there, so a second free does nothing.
///
/// # Safety
/// `buf` must point to a buffer written by Rust (a return value, a status's error buffer, or
/// [`axme_ffi_rustbuffer_alloc_into`]), aligned to 8, not freed since.
#[no_mangle]
pub unsafe extern "C" fn axme_ffi_rustbuffer_free_at(buf: *mut RustBuffer) {
    // SAFETY: the caller promises `buf` holds a live RustBuffer; we take it and leave an empty one.
    let taken = unsafe { buf.replace(RustBuffer::new()) };
    taken.destroy();
}
