//go:build linux

package rapi

import "testing"

func FuzzParseTCPRow(f *testing.F) {
	f.Add([]byte("   1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1"),
		[]byte("0100007F:D431"), []byte("0100007F:1F90"))
	f.Fuzz(func(t *testing.T, row, local, remote []byte) {
		if ino, ok := parseTCPRow(row, local, remote); ok && ino == "" {
			t.Fatalf("parseTCPRow(%q) = \"\", true", row)
		}
	})
}
