// Package deptest holds the test that enforces the module's import fences:
// each fence constrains a whole subtree by everything it reaches through its
// non-test imports, transitively, and carries the reason for the rule. The
// fences are the architecture of docs/architecture.md.
package deptest
