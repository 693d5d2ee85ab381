package verify

import "sync"

// Cache remembers, for one run over many zones, what the resolver said
// about NS sets and nameserver addresses: a fleet at one DNS host shares
// one NS set and its addresses, and the zones share their parents, so each
// question is asked once however many zones need it (and a zone's own NS
// set once for its verification and its delegation check). The zero value is not usable; use NewCache. Safe for
// concurrent use.
type Cache struct {
	mu    sync.Mutex
	hosts map[string]*hostEntry
	ns    map[string]*nsEntry
}

type hostEntry struct {
	done  chan struct{}
	addrs []string
	err   string
}

type nsEntry struct {
	done  chan struct{}
	names []string
	err   error
}

// NewCache makes an empty cache.
func NewCache() *Cache {
	return &Cache{hosts: map[string]*hostEntry{}, ns: map[string]*nsEntry{}}
}

// host returns the cached addresses of a nameserver name, resolving them
// with resolve the first time.
func (c *Cache) host(key string, resolve func() ([]string, string)) ([]string, string) {
	c.mu.Lock()
	e, ok := c.hosts[key]
	if !ok {
		e = &hostEntry{done: make(chan struct{})}
		c.hosts[key] = e
		c.mu.Unlock()
		e.addrs, e.err = resolve()
		close(e.done)
	} else {
		c.mu.Unlock()
		<-e.done
	}
	return e.addrs, e.err
}

// nsSet returns the cached NS set of a zone, looking it up with
// lookup the first time.
func (c *Cache) nsSet(key string, lookup func() ([]string, error)) ([]string, error) {
	c.mu.Lock()
	e, ok := c.ns[key]
	if !ok {
		e = &nsEntry{done: make(chan struct{})}
		c.ns[key] = e
		c.mu.Unlock()
		e.names, e.err = lookup()
		close(e.done)
	} else {
		c.mu.Unlock()
		<-e.done
	}
	return e.names, e.err
}
