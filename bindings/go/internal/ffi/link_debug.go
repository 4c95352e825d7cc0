//go:build !axme_release

package ffi

// Links the debug build of the static library, target/debug/libaxme_ffi.a (what ./dev build-go
// builds); build with -tags axme_release to link target/release instead. The extra libraries are
// the ones `cargo rustc -p axme-ffi --crate-type staticlib -- --print native-static-libs` names.

/*
#cgo LDFLAGS: ${SRCDIR}/../../../../target/debug/libaxme_ffi.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
