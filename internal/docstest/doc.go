// Package docstest holds the test that the repository's comments and
// documents stand alone: they cite AWS's public documentation by URL or an
// anchored entry of the repository's own docs (such as
// docs/compatibility.md#lambda-proxy),
// never a document outside the repository or a private evidence code, and
// every docs/*.md#anchor they cite exists.
package docstest
