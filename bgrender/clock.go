package bgrender

import (
	"sync"
	"time"
)

// pollClock wakes the poll loops of all live renders that share a poll
// interval from one ticker. A timer per render costs a thread wake-up per
// poll when the process is otherwise idle; hundreds of renders polled ten
// times a second made those wake-ups most of the manager's CPU time. Woken
// together, the loops run back to back on the threads already awake.
type pollClock struct {
	mu     sync.Mutex
	groups map[time.Duration]*tickGroup
}

type tickGroup struct {
	subs   map[chan struct{}]struct{}
	ticker *time.Ticker
	stop   chan struct{}
}

// subscribe returns a channel that receives a tick every d, and the
// function that ends the subscription. A tick is dropped when the
// previous one has not been taken yet, so a slow poll is not followed by
// a burst of catch-up polls.
func (c *pollClock) subscribe(d time.Duration) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	if c.groups == nil {
		c.groups = map[time.Duration]*tickGroup{}
	}
	g := c.groups[d]
	if g == nil {
		g = &tickGroup{subs: map[chan struct{}]struct{}{}, ticker: time.NewTicker(d), stop: make(chan struct{})}
		c.groups[d] = g
		go c.tick(g)
	}
	g.subs[ch] = struct{}{}
	c.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(g.subs, ch)
			if len(g.subs) == 0 {
				delete(c.groups, d)
				g.ticker.Stop()
				close(g.stop)
			}
		})
	}
}

func (c *pollClock) tick(g *tickGroup) {
	for {
		select {
		case <-g.ticker.C:
			c.mu.Lock()
			for ch := range g.subs {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
			c.mu.Unlock()
		case <-g.stop:
			return
		}
	}
}
