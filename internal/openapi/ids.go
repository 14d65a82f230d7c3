package openapi

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// idAlphabet is the alphabet of AWS's resource ids (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/api-reference.html).
const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID derives an id of n characters from the resource kind and a name
// that is stable across imports of the same document (a route key, a
// component name, a scheme name). A collision with an id already handed out
// in this import is resolved by hashing again with a counter, so ids stay
// deterministic.
func (im *importer) newID(kind, name string, n int) string {
	for i := 0; ; i++ {
		seed := kind + "\x00" + name
		if i > 0 {
			seed += "\x00" + strconv.Itoa(i)
		}
		sum := sha256.Sum256([]byte(seed))
		v := binary.BigEndian.Uint64(sum[:8])
		id := make([]byte, n)
		for j := range id {
			id[j] = idAlphabet[v%uint64(len(idAlphabet))]
			v /= uint64(len(idAlphabet))
		}
		if !im.usedID[string(id)] {
			im.usedID[string(id)] = true
			return string(id)
		}
	}
}
