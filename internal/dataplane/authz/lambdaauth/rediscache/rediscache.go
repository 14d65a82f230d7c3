// Package rediscache shares Lambda authorizer results between the nodes of
// a cluster through Redis (lambdaauth.Shared), and carries
// ResetAuthorizersCache to every node.
//
// A result is the function's response, stored under
// {prefix}authz:{apiId}/{stage}/{sha256 of the local cache key} with the
// authorizer's TTL; a node that misses locally reads it before invoking
// the authorizer, so that one invocation serves a token on every node.
// Resetting a stage deletes its keys and publishes {apiId}/{stage} on
// {prefix}authz-reset, which every node's subscription turns into a local
// reset (within milliseconds). A Redis that fails is a miss: the
// authorizer is invoked, never skipped.
package rediscache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
)

// timeout bounds one Redis call on the request path.
const timeout = 100 * time.Millisecond

// Cache implements lambdaauth.Shared on Redis.
type Cache struct {
	client redis.UniversalClient
	prefix string
	local  *lambdaauth.Cache
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New shares local's results through client under prefix (default
// "apigw:"), and starts following the resets other nodes publish, until
// Close.
func New(client redis.UniversalClient, prefix string, local *lambdaauth.Cache, log *slog.Logger) *Cache {
	if prefix == "" {
		prefix = "apigw:"
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cache{client: client, prefix: prefix, local: local, log: log, ctx: ctx, cancel: cancel}
	c.wg.Add(1)
	go c.follow()
	return c
}

func (c *Cache) key(apiID, stage, key string) string {
	h := sha256.Sum256([]byte(key))
	return c.prefix + "authz:" + apiID + "/" + stage + "/" + hex.EncodeToString(h[:])
}

// Get implements lambdaauth.Shared.
func (c *Cache) Get(ctx context.Context, apiID, stage, key string) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := c.client.Get(ctx, c.key(apiID, stage, key)).Bytes()
	if err != nil {
		return nil, false
	}
	return b, true
}

// Put implements lambdaauth.Shared.
func (c *Cache) Put(ctx context.Context, apiID, stage, key string, raw []byte, ttl time.Duration) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	_ = c.client.Set(ctx, c.key(apiID, stage, key), raw, ttl).Err()
}

// ResetStage drops a stage's results on every node: ResetAuthorizersCache.
// This node's own results are dropped even when Redis fails.
func (c *Cache) ResetStage(apiID, stage string) error {
	c.local.ResetStage(apiID, stage)
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	match := c.prefix + "authz:" + escapeGlob(apiID+"/"+stage) + "/*"
	iter := c.client.Scan(ctx, 0, match, 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(keys) > 0 {
		if err := c.client.Del(ctx, keys...).Err(); err != nil {
			return err
		}
	}
	return c.client.Publish(ctx, c.prefix+"authz-reset", apiID+"/"+stage).Err()
}

// follow applies the resets published by any node, resubscribing after a
// Redis outage.
func (c *Cache) follow() {
	defer c.wg.Done()
	for c.ctx.Err() == nil {
		sub := c.client.Subscribe(c.ctx, c.prefix+"authz-reset")
		ch := sub.Channel()
	receive:
		for {
			select {
			case msg, ok := <-ch:
				if !ok {
					break receive
				}
				if apiID, stage, ok := strings.Cut(msg.Payload, "/"); ok {
					c.local.ResetStage(apiID, stage)
				}
			case <-c.ctx.Done():
				break receive
			}
		}
		_ = sub.Close()
		select {
		case <-c.ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Close stops following resets.
func (c *Cache) Close() {
	c.cancel()
	c.wg.Wait()
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

var _ lambdaauth.Shared = (*Cache)(nil)
