module github.com/kragauth/krag/bench/casbin

go 1.26.8

require (
	github.com/casbin/casbin/v2 v2.135.0
	github.com/kragauth/krag v0.0.0-00010101000000-000000000000
)

require (
	github.com/bmatcuk/doublestar/v4 v4.6.1 // indirect
	github.com/casbin/govaluate v1.3.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
)

replace github.com/kragauth/krag => ../..
