package graph

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter gives each client a bucket of points that refills at a steady rate (a token bucket): a query
// costs its measured cost, any other request what its handler says. A client is a token's name when
// the request carries a valid token, or else the address it comes from.
type Limiter struct {
	perMinute int
	mu        sync.Mutex
	clients   map[string]*client
}

type client struct {
	bucket   *rate.Limiter
	lastSeen time.Time
}

// NewLimiter gives each client perMinute points a minute, and a full bucket of as many to start.
// perMinute 0 turns limiting off.
func NewLimiter(perMinute int) *Limiter {
	return &Limiter{perMinute: perMinute, clients: map[string]*client{}}
}

// Quota is a client's standing after a request.
type Quota struct {
	Limit     int           // points a minute
	Remaining int           // points left now
	Cost      int           // what this request cost
	ResetAt   time.Time     // when the bucket will be full again
	RetryIn   time.Duration // when refused: how long until the bucket holds enough
}

// Take charges cost points to key. If the bucket holds too few, nothing is charged and RetryIn says
// how long until it holds enough; a cost larger than the whole bucket can never be paid.
func (l *Limiter) Take(key string, cost int, now time.Time) (q Quota, ok bool) {
	if l == nil || l.perMinute <= 0 {
		return Quota{Cost: cost, Limit: math.MaxInt32, Remaining: math.MaxInt32, ResetAt: now}, true
	}
	l.mu.Lock()
	c := l.clients[key]
	if c == nil {
		l.forgetIdle(now)
		c = &client{bucket: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.clients[key] = c
	}
	c.lastSeen = now
	l.mu.Unlock()

	q = Quota{Limit: l.perMinute, Cost: cost}
	r := c.bucket.ReserveN(now, cost)
	if !r.OK() {
		q.RetryIn = time.Minute
		ok = false
	} else if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		q.RetryIn, ok = delay, false
	} else {
		ok = true
	}
	tokens := c.bucket.TokensAt(now)
	q.Remaining = max(0, int(tokens))
	q.ResetAt = now.Add(time.Duration((float64(l.perMinute) - tokens) / float64(l.perMinute) * float64(time.Minute)))
	return q, ok
}

// forgetIdle drops clients whose buckets have been full for a while, so the map stays small. It runs
// under l.mu, when a new client arrives and the map is large.
func (l *Limiter) forgetIdle(now time.Time) {
	if len(l.clients) < 10_000 {
		return
	}
	for key, c := range l.clients {
		if now.Sub(c.lastSeen) > 2*time.Minute {
			delete(l.clients, key)
		}
	}
}
