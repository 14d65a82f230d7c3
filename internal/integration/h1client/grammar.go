package h1client

import (
	"errors"
	"strings"
)

// ErrTimeout is wrapped by the errors of an exchange that its deadline
// ended (dial, handshake, request, response headers or body).
var ErrTimeout = errors.New("deadline of the exchange exceeded")

// ValidToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), as
// a method or a field name must be.
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsTchar(s[i]) {
			return false
		}
	}
	return true
}

// IsTchar reports whether c may appear in an HTTP token (RFC 9110 section
// 5.6.2).
func IsTchar(c byte) bool {
	return tchars[c]
}

// tchars marks the bytes of RFC 9110's tchar.
var tchars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

// ValidHeaderValue reports whether v may be sent as a field value: no
// control characters other than horizontal tab (RFC 9110 section 5.5).
// Eight bytes at a time: a forwarded bearer token is hundreds of bytes, and
// a byte-by-byte loop was a visible share of a JWT route's CPU.
func ValidHeaderValue(v string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		x := uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
			uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
		// A high bit in either term flags a byte below 0x20 or equal to 0x7f
		// (with possible false alarms after a real one, from borrows); a
		// flagged word is checked byte by byte.
		del := x ^ 0x7f*ones
		if ((x-0x20*ones)&^x|(del-ones)&^del)&highs != 0 && !validHeaderBytes(v[:8]) {
			return false
		}
		v = v[8:]
	}
	return validHeaderBytes(v)
}

func validHeaderBytes(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
