//go:build !linux

// Package proctree reads the process tree of a function's runtime from
// /proc: its descendants, their open descriptors and their resident memory.
// The Runtime API's caller check and the memory limit of functions use it.
// Only Linux has it; elsewhere every function reports Supported false.
package proctree

import "errors"

// Supported reports whether this platform can read process trees.
const Supported = false

var errUnsupported = errors.New("process trees cannot be read on this platform")

// Descendants is unsupported on this platform.
func Descendants(int) ([]int, error) { return nil, errUnsupported }

// HasDescriptor is unsupported on this platform.
func HasDescriptor(int, string) bool { return false }

// RSS is unsupported on this platform.
func RSS(int) (int64, bool) { return 0, false }
