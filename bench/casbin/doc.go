// Package casbinbench sets Casbin beside Krag's access engine on the cases of
// access/bench_test.go. It holds only tests and benchmarks; it is a module of its own so that
// Casbin never enters Krag's go.mod. README.md says what is measured and how the two engines
// differ.
package casbinbench
