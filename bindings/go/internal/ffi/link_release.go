//go:build axme_release

package ffi

// Links target/release/libaxme_ffi.a (benchmarks: go build -tags axme_release).

/*
#cgo LDFLAGS: ${SRCDIR}/../../../../target/release/libaxme_ffi.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
*/
import "C"
