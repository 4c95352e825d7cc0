package ffi

// The hand-written glue to axme-ffi's C ABI: buffers in and out, object handles, the call status,
// and the check at load that the library is the one axme_ffi.h was generated from.
//
// Every call blocks its OS thread inside Rust (the waist's blocking face); the Go runtime lends
// the goroutine's thread for it, so a blocked call never stalls other goroutines.

/*
#include <stdlib.h>
#include "axme_ffi.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func init() {
	if name := C.axme_ffi_checksum_mismatch(); name != nil {
		panic(fmt.Sprintf("axme: the linked libaxme_ffi.a does not match its declarations (%s); run ./dev build-go", C.GoString(name)))
	}
}

// Failure is a call that failed: the core's error record.
type Failure struct{ Record ErrorRecord }

func (f *Failure) Error() string { return f.Record.Kind.String() + ": " + f.Record.Message }

// call runs f with a zeroed status and turns the status into an error.
func call[T any](f func(st *C.RustCallStatus) T) (T, error) {
	var st C.RustCallStatus
	out := f(&st)
	switch st.code {
	case 0:
		return out, nil
	case 1:
		rec, err := ReadAxmeError(take(st.error_buf))
		if err != nil {
			return out, err
		}
		return out, &Failure{Record: rec}
	default:
		// A panic or internal error: the buffer holds its message as raw text.
		msg := string(take(st.error_buf))
		return out, &Failure{Record: ErrorRecord{Kind: ErrorKindInternal, Message: "axme-ffi: " + msg}}
	}
}

// bytesIn copies b into a buffer Rust owns (a call consumes it). Allocating on the Rust side and
// copying from Go keeps Go pointers out of C entirely.
func bytesIn(b []byte) C.RustBuffer {
	var st C.RustCallStatus
	buf := C.ffi_axme_ffi_rustbuffer_alloc(C.uint64_t(len(b)), &st)
	if len(b) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(buf.data)), len(b)), b)
	}
	return buf
}

// stringIn is a top-level string argument: its raw UTF-8 bytes.
func stringIn(s string) C.RustBuffer { return bytesIn([]byte(s)) }

// take copies a buffer Rust returned and frees it.
func take(buf C.RustBuffer) []byte {
	if buf.data == nil {
		return nil
	}
	out := C.GoBytes(unsafe.Pointer(buf.data), C.int(buf.len))
	var st C.RustCallStatus
	C.ffi_axme_ffi_rustbuffer_free(buf, &st)
	return out
}

// takeString reads a top-level string return.
func takeString(buf C.RustBuffer) string { return string(take(buf)) }

// encode writes one value with a Writer method.
func encode(write func(w *Writer)) C.RustBuffer {
	var w Writer
	write(&w)
	return bytesIn(w.Buf)
}
