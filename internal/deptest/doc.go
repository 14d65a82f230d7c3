// Package deptest holds the test that enforces the module's import fences.
package deptest
