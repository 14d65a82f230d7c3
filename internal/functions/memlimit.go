package functions

import (
	"time"

	"github.com/apigwdev/apigw/internal/functions/proctree"
)

// memCheckInterval is how often the resident memory of a running
// invocation's process tree is compared with the function's memory size.
const memCheckInterval = 100 * time.Millisecond

// treeRefresh is how many checks reuse one listing of the tree's
// processes before it is read again.
const treeRefresh = 20

// errorTypeOutOfMemory is Lambda's error type for a function stopped for
// using more than its memory size.
const errorTypeOutOfMemory = "Runtime.OutOfMemory"

// memLimit enforces a function's memorySize on Linux: while an invocation
// runs, the resident memory of the runtime's process and its descendants is
// read from /proc every memCheckInterval, and an instance over the limit is
// stopped, its invocation failing with Runtime.OutOfMemory as on Lambda.
// Polling lets an allocation burst between two checks through; a limit of
// the address space (RLIMIT_AS) would stop Node.js and Go runtimes that
// reserve far more than they use, and cgroups need privileges apigw does
// not assume. Elsewhere memorySize is reported, not enforced. A memLimit is
// owned by its instance's goroutine.
type memLimit struct {
	root  int
	limit int64 // bytes
	pids  []int // descendants of root, from the last listing
	ticks int
}

// newMemLimit returns the limit of a process tree rooted at pid, or nil
// where it cannot be enforced.
func newMemLimit(pid, memorySizeMB int) *memLimit {
	if !proctree.Supported || memorySizeMB <= 0 {
		return nil
	}
	return &memLimit{root: pid, limit: int64(memorySizeMB) << 20}
}

// exceeded returns the tree's resident memory and whether it is over the
// limit.
func (m *memLimit) exceeded() (int64, bool) {
	if m.ticks%treeRefresh == 0 {
		m.pids, _ = proctree.Descendants(m.root)
	}
	m.ticks++
	total, _ := proctree.RSS(m.root)
	for _, p := range m.pids {
		if r, ok := proctree.RSS(p); ok {
			total += r
		}
	}
	return total, total > m.limit
}

// outOfMemoryPayload is the error of an invocation stopped by its memory
// size, as Lambda reports it.
func outOfMemoryPayload(requestID string) []byte {
	return marshalError(errorTypeOutOfMemory, "RequestId: "+requestID+" Error: Runtime exited with error: signal: killed")
}
