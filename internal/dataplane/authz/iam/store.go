package iam

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"sync/atomic"
)

// Credentials is one identity as its source (the config file, the admin
// credentials) gives it, in plain values: NewStore validates and compiles it.
type Credentials struct {
	// AccessKeyID names the credentials; required, unique in a Store.
	AccessKeyID string
	// SecretAccessKey is the signing secret; required.
	SecretAccessKey string
	// SessionToken, when set, must accompany the access key.
	SessionToken string
	// ARN is the caller's IAM user, role, root or assumed-role ARN.
	ARN string
	// PolicyJSON is the identity policy as JSON; nil or "null" when there is
	// none, which allows nothing.
	PolicyJSON []byte
	// Line locates the entry in its file for error messages; 0 if unknown.
	Line int
}

// Identity is one caller that may sign requests to AWS_IAM routes: its
// credentials, who it is, and its identity policy. It is immutable.
type Identity struct {
	// AccessKeyID names the credentials in the Credential scope.
	AccessKeyID string
	// secret is the secret access key; never logged or rendered.
	secret string
	// sessionToken, when set, must be presented as X-Amz-Security-Token.
	sessionToken string
	// ARN is the caller's IAM user or role ARN (userArn).
	ARN string
	// AccountID is the account of ARN.
	AccountID string
	// UserID stands for the unique id AWS gives the principal (callerId,
	// userId): see NewStore.
	UserID string
	// Policy is the identity policy; nil allows nothing.
	Policy *Policy
	// signingKey caches the key derived from secret for the last credential
	// scope seen (one per day, region and service), as the SDKs cache it:
	// deriving it takes four HMACs.
	signingKey atomic.Pointer[derivedKey]
}

// String returns the access key id and ARN, never the secret.
func (id *Identity) String() string { return id.AccessKeyID + " (" + id.ARN + ")" }

// Store holds the identities of the config file by access key id. It is
// built once and then only read, so it is safe for concurrent use.
type Store struct {
	byKey map[string]*Identity
}

// NewStore builds a Store from the identities of the config file (see
// docs/configuration.md). Every identity needs an access key id (unique), a
// secret access key and an IAM user, role or assumed-role ARN; its policy, if
// any, is parsed strictly: a policy with a Condition, a policy variable, a
// Principal or an unknown element is refused with the element's path, rather
// than evaluated differently from IAM.
//
// IAM gives every principal a unique id (AIDA... for users, AROA... for
// roles) that the config file does not carry; the store derives a stable one
// from the ARN: "AIDA" or "AROA" followed by 17 characters of the ARN's hash,
// and for assumed roles ":{session name}" appended, as AWS's callerId and
// userId look (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html). The root user's id is its
// account id, as on AWS.
func NewStore(ids []Credentials) (*Store, error) {
	s := &Store{byKey: make(map[string]*Identity, len(ids))}
	for i, ci := range ids {
		where := fmt.Sprintf("identity %d (%s)", i+1, ci.AccessKeyID)
		if ci.Line > 0 {
			where = fmt.Sprintf("identity at line %d (%s)", ci.Line, ci.AccessKeyID)
		}
		id, err := newIdentity(ci)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", where, err)
		}
		if _, dup := s.byKey[id.AccessKeyID]; dup {
			return nil, fmt.Errorf("loading %s: access key id is used by another identity", where)
		}
		s.byKey[id.AccessKeyID] = id
	}
	return s, nil
}

func newIdentity(ci Credentials) (*Identity, error) {
	switch {
	case ci.AccessKeyID == "":
		return nil, fmt.Errorf("accessKeyId is required")
	case ci.SecretAccessKey == "":
		return nil, fmt.Errorf("secretAccessKey is required")
	}
	account, userID, err := principalIDs(ci.ARN)
	if err != nil {
		return nil, err
	}
	id := &Identity{
		AccessKeyID:  ci.AccessKeyID,
		secret:       ci.SecretAccessKey,
		sessionToken: ci.SessionToken,
		ARN:          ci.ARN,
		AccountID:    account,
		UserID:       userID,
	}
	if len(ci.PolicyJSON) > 0 && string(ci.PolicyJSON) != "null" {
		if id.Policy, err = ParsePolicy(ci.PolicyJSON, ParseOptions{}); err != nil {
			return nil, fmt.Errorf("parsing policy: %w", err)
		}
	}
	return id, nil
}

// principalIDs returns the account and the derived unique id of a principal
// ARN: arn:{partition}:iam::{account}:user/..., :role/..., :root, or
// arn:{partition}:sts::{account}:assumed-role/{role}/{session}.
func principalIDs(arn string) (account, userID string, err error) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || !strings.HasPrefix(f[1], "aws") || f[3] != "" || !isAccount(f[4]) {
		return "", "", fmt.Errorf("arn %q is not an IAM principal ARN such as arn:aws:iam::000000000000:user/alice", arn)
	}
	account, res := f[4], f[5]
	sum := sha256.Sum256([]byte(arn))
	hash := base32.StdEncoding.EncodeToString(sum[:])[:17]
	switch {
	case f[2] == "iam" && res == "root":
		return account, account, nil
	case f[2] == "iam" && strings.HasPrefix(res, "user/") && len(res) > len("user/"):
		return account, "AIDA" + hash, nil
	case f[2] == "iam" && strings.HasPrefix(res, "role/") && len(res) > len("role/"):
		return account, "AROA" + hash, nil
	case f[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		parts := strings.Split(res, "/")
		if len(parts) < 3 || parts[1] == "" || parts[len(parts)-1] == "" {
			break
		}
		role := "arn:" + f[1] + ":iam::" + account + ":role/" + parts[1]
		rsum := sha256.Sum256([]byte(role))
		return account, "AROA" + base32.StdEncoding.EncodeToString(rsum[:])[:17] + ":" + parts[len(parts)-1], nil
	}
	return "", "", fmt.Errorf("arn %q is not an IAM user, role, root or assumed-role ARN", arn)
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Lookup returns the identity with the access key id, if any.
func (s *Store) Lookup(accessKeyID string) (*Identity, bool) {
	if s == nil {
		return nil, false
	}
	id, ok := s.byKey[accessKeyID]
	return id, ok
}

// Len returns the number of identities.
func (s *Store) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byKey)
}
