package functions

import "sort"

// Stats is a point-in-time view of one local function's instances, for the
// gateway's health metrics.
type Stats struct {
	Name string
	// Instances is the number of processes alive (idle, busy, starting or
	// stopping); Idle is how many of them wait for work.
	Instances, Idle int
	// ColdStarts counts the instances started since the gateway started.
	ColdStarts int
}

// Stats returns the state of every local function, ordered by name. Remote
// functions have no instances and are left out.
func (m *Manager) Stats() []Stats {
	out := make([]Stats, 0, len(m.fns))
	for name, f := range m.fns {
		if f.pool == nil {
			continue
		}
		open, idle, started := f.pool.stats()
		out = append(out, Stats{Name: name, Instances: open, Idle: idle, ColdStarts: started})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
