module github.com/axme/axme-go/conformance-driver

go 1.23

require github.com/axme/axme-go v0.0.0

replace github.com/axme/axme-go => ../../../bindings/go
