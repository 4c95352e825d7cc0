module github.com/axme/axme-go

go 1.23
