package functions

// Config returns the configuration of the function named name, with its
// defaults applied (Timeout, MemorySize, Concurrency, an absolute Dir), and
// whether it exists. The Lambda API's GetFunction and ListFunctions and the
// startup summary describe functions from it.
func (m *Manager) Config(name string) (Config, bool) {
	f, ok := m.fns[name]
	if !ok {
		return Config{}, false
	}
	return f.cfg, true
}
