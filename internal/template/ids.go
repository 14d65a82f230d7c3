package template

import (
	"crypto/sha256"
	"math/big"
	"strings"
)

// Lengths of AWS's generated ids.
const (
	apiIDLen         = 10
	routeIDLen       = 7
	integrationIDLen = 7
	authorizerIDLen  = 6
	deploymentIDLen  = 6
	mappingIDLen     = 10
)

// physicalID derives a deterministic id for a resource from its stack name,
// stack path and logical id: base36 of their sha256, lower case, cut to n
// characters. The same template served again gives the same ids, so URLs
// survive restarts (compatibility.md#template-ids).
func physicalID(stackName, stackPath, logicalID string, n int) string {
	sum := sha256.Sum256([]byte(stackName + "/" + stackPath + "/" + logicalID))
	s := strings.ToLower(new(big.Int).SetBytes(sum[:]).Text(36))
	for len(s) < n {
		s = "0" + s
	}
	return s[:n]
}
