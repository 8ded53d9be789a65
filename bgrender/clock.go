package bgrender

import (
	"sync"
	"time"
)

// pollClock drives the polls of all live renders that share a poll
// interval from one ticker. A timer per render costs a thread wake-up per
// poll when the process is otherwise idle; hundreds of renders polled ten
// times a second made those wake-ups most of the manager's CPU time. Woken
// together, the loops run back to back on the threads already awake.
type pollClock struct {
	mu     sync.Mutex
	groups map[time.Duration]*tickGroup
}

type tickGroup struct {
	subs   map[*func()]struct{}
	ticker *time.Ticker
	stop   chan struct{}
}

// subscribe calls fire every d, from the clock's goroutine, until the
// returned function ends the subscription. fire must not block for long:
// it delays the other subscribers of d. It may be called once more after
// the subscription has ended.
func (c *pollClock) subscribe(d time.Duration, fire func()) func() {
	key := &fire
	c.mu.Lock()
	if c.groups == nil {
		c.groups = map[time.Duration]*tickGroup{}
	}
	g := c.groups[d]
	if g == nil {
		g = &tickGroup{subs: map[*func()]struct{}{}, ticker: time.NewTicker(d), stop: make(chan struct{})}
		c.groups[d] = g
		go c.tick(g)
	}
	g.subs[key] = struct{}{}
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(g.subs, key)
			if len(g.subs) == 0 {
				delete(c.groups, d)
				g.ticker.Stop()
				close(g.stop)
			}
		})
	}
}

func (c *pollClock) tick(g *tickGroup) {
	var fires []*func()
	for {
		select {
		case <-g.ticker.C:
			// Fire outside the lock, so that subscribers may subscribe
			// and unsubscribe from fire.
			c.mu.Lock()
			fires = fires[:0]
			for f := range g.subs {
				fires = append(fires, f)
			}
			c.mu.Unlock()
			for _, f := range fires {
				(*f)()
			}
		case <-g.stop:
			return
		}
	}
}
