package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"

	"github.com/jamforelse/api/graph"
)

// maxClients bounds how many clients' buckets are kept: about 200 bytes each (BenchmarkLimiter), so
// at most 20 MB however many addresses send requests. Past it, the clients seen least (new addresses
// seen once come first) are forgotten, and come back with a full bucket.
const maxClients = 100_000

// limiter gives each client a bucket of points that refills at a steady rate (a token bucket): a query
// costs its measured cost, anything else what its route says. A client is a token's name when the
// request carries a valid token, or else the address it comes from (see clients).
type limiter struct {
	perMinute int
	buckets   *otter.Cache[string, *rate.Limiter]
	clients   clients
	now       func() time.Time
}

// newLimiter gives each client perMinute points a minute, and a full bucket of as many to start.
// perMinute 0 turns limiting off. now is the clock: time.Now, unless a test needs time to stand still.
func newLimiter(perMinute int, clients clients, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{perMinute: perMinute, clients: clients, now: now, buckets: otter.Must(&otter.Options[string, *rate.Limiter]{
		MaximumSize: maxClients,
		// A bucket left alone for a minute is full again, as a new one would be: forgetting it changes nothing.
		ExpiryCalculator: otter.ExpiryAccessing[string, *rate.Limiter](time.Minute),
	})}
}

// take charges cost points to client. If the bucket holds too few, nothing is charged and RetryIn says
// how long until it holds enough; a cost larger than the whole bucket can never be paid.
func (l *limiter) take(client string, cost int, now time.Time) (q graph.Quota, ok bool) {
	if l.perMinute <= 0 {
		return graph.Quota{Cost: cost, Limit: math.MaxInt32, Remaining: math.MaxInt32, ResetAt: now}, true
	}
	bucket, found := l.buckets.GetIfPresent(client)
	if !found {
		bucket, _ = l.buckets.SetIfAbsent(client, rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute))
	}
	q = graph.Quota{Limit: l.perMinute, Cost: cost}
	r := bucket.ReserveN(now, cost)
	if !r.OK() {
		q.RetryIn = time.Minute
	} else if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		q.RetryIn = delay
	} else {
		ok = true
	}
	tokens := bucket.TokensAt(now)
	q.Remaining = max(0, int(tokens))
	q.ResetAt = now.Add(time.Duration((float64(l.perMinute) - tokens) / float64(l.perMinute) * float64(time.Minute)))
	return q, ok
}

// meter is the one way a request is charged: it takes points from the request's client and tells the
// client its standing in the answer's headers. GraphQL operations are charged through graph's pricing
// extension, which calls it; kept answers and the other routes call it directly.
func (l *limiter) meter(w http.ResponseWriter, r *http.Request) graph.Meter {
	client := l.clients.key(r)
	return func(cost int) (graph.Quota, error) {
		q, ok := l.take(client, cost, l.now())
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(q.Limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(q.Remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(q.ResetAt.Unix(), 10))
		h.Set("X-Query-Cost", strconv.Itoa(q.Cost))
		if !ok {
			return q, &graph.RateLimitedError{Quota: q}
		}
		return q, nil
	}
}

// charged takes cost points before a request that is not a GraphQL query.
func (l *limiter) charged(cost int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := l.meter(w, r)(cost); err != nil {
			writeRateLimited(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeRateLimited is the one answer to a client out of points, whatever it asked for: 429 with
// Retry-After, and a RATE_LIMITED error saying what the request costs and what is left.
func writeRateLimited(w http.ResponseWriter, err error) {
	var limited *graph.RateLimitedError
	if !errors.As(err, &limited) {
		panic("writeRateLimited: " + err.Error())
	}
	w.Header().Set("Retry-After", strconv.Itoa(limited.RetryAfter()))
	writeError(w, http.StatusTooManyRequests, limited.Error(), limited.Extensions())
}

// clients tells who sends a request.
type clients struct {
	trusted []netip.Prefix // proxies whose X-Forwarded-For is believed
}

// address is where a request comes from: the peer, or, when the peer is a trusted proxy, the nearest
// address in X-Forwarded-For (read from the right) that is not one. A proxy appends the address it
// was reached from to whatever the client sent, so only the entries right of the last untrusted hop
// can be believed.
func (c clients) address(r *http.Request) netip.Addr {
	addr := parseAddr(r.RemoteAddr)
	if !c.isTrusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed entry: what is left of it cannot be believed either
		}
		if addr = hop.Unmap().WithZone(""); !c.isTrusted(addr) {
			break
		}
	}
	return addr
}

func (c clients) isTrusted(addr netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// key is whom a request is charged to: its token's name, or its address; IPv6 addresses by their /64,
// since a single host is commonly given a whole /64 and could otherwise spend 2^64 buckets.
func (c clients) key(r *http.Request) string {
	if token := graph.TokenOf(r.Context()); token != nil {
		return "token:" + token.Name
	}
	addr := c.address(r)
	if addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return "address:" + prefix.String()
	}
	return "address:" + addr.String()
}

// parseAddr reads a RemoteAddr, "host:port" or a bare address: IPv4-mapped IPv6 addresses as IPv4,
// without a zone.
func parseAddr(s string) netip.Addr {
	addr, err := netip.ParseAddr(s)
	if ap, perr := netip.ParseAddrPort(s); perr == nil {
		addr, err = ap.Addr(), nil
	}
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap().WithZone("")
}
