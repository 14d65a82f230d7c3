package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// issuerKeyFiles are the local OIDC issuer's key files (package issuer),
// shared through etcd so that a token minted through any node verifies on
// every node.
var issuerKeyFiles = []string{"signing-key.pem", "previous-key.pem"}

func (n *Node) connectedStore() (*clientv3.Client, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.st == nil {
		return nil, ""
	}
	return n.st.Client(), n.st.Prefix() + "issuer/"
}

// PullIssuerKeys writes the cluster's issuer keys, if etcd has them, into
// dir (the issuer's key directory), replacing the node's own. found is
// false when etcd has none (or is not reached).
func (n *Node) PullIssuerKeys(dir string) (found bool, err error) {
	cli, prefix := n.connectedStore()
	if cli == nil {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return false, fmt.Errorf("reading the cluster's issuer keys: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	keys := map[string][]byte{}
	for _, kv := range resp.Kvs {
		keys[string(kv.Key[len(prefix):])] = kv.Value
	}
	for _, name := range issuerKeyFiles {
		path := filepath.Join(dir, name)
		v, ok := keys[name]
		if !ok {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return false, err
			}
			continue
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, v, 0o600); err != nil {
			return false, err
		}
		if err := os.Rename(tmp, path); err != nil {
			return false, err
		}
	}
	return true, nil
}

// PushIssuerKeys makes the key files in dir the cluster's, unless another
// node did first: won is false then (pull theirs).
func (n *Node) PushIssuerKeys(dir string) (won bool, err error) {
	cli, prefix := n.connectedStore()
	if cli == nil {
		return false, nil
	}
	var ops []clientv3.Op
	for _, name := range issuerKeyFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		ops = append(ops, clientv3.OpPut(prefix+name, string(b)))
	}
	if len(ops) == 0 {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Second)
	defer cancel()
	resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(prefix+issuerKeyFiles[0]), "=", 0)).Then(ops...).Commit()
	if err != nil {
		return false, fmt.Errorf("sharing the issuer keys: %w", err)
	}
	return resp.Succeeded, nil
}
