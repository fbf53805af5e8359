package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/jamforelse/api/graph"
)

// maxClients bounds how many clients' buckets are kept: about 200 bytes each (BenchmarkLimiter), so
// at most 20 MB however many addresses send requests. Past it, the clients seen least (new addresses
// seen once come first) are forgotten, and come back with a full bucket.
const maxClients = 100_000

// limiter gives each client a bucket of points that refills at a steady rate (a token bucket): a query
// is charged before it runs the most objects it could return and given back, once it has run, what it
// did not return; a download is charged by the rows it sends. A client is a token's name when the
// request carries a valid token, or else the address it comes from (see clients).
type limiter struct {
	perMinute int
	buckets   *otter.Cache[string, *bucket]
	clients   clients
	now       func() time.Time
}

// newLimiter gives each client perMinute points a minute, and a full bucket of as many to start.
// perMinute 0 turns limiting off. now is the clock: time.Now, unless a test needs time to stand still.
func newLimiter(perMinute int, clients clients, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{perMinute: perMinute, clients: clients, now: now, buckets: otter.Must(&otter.Options[string, *bucket]{
		MaximumSize: maxClients,
		// A bucket left alone for a minute is full again, as a new one would be: forgetting it changes nothing.
		// (One in debt after a large download is forgotten a minute after it is full again.)
		ExpiryCalculator: otter.ExpiryAccessing[string, *bucket](time.Minute),
	})}
}

// bucket holds a client's points: tokens at the time at, refilling at the limiter's rate up to a full
// bucket. It goes below zero only when a download is charged for rows it has already sent.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	at     time.Time
}

// level refills the bucket up to now and returns what it holds.
func (b *bucket) level(l *limiter, now time.Time) float64 {
	if now.After(b.at) {
		b.tokens = min(float64(l.perMinute), b.tokens+now.Sub(b.at).Minutes()*float64(l.perMinute))
		b.at = now
	}
	return b.tokens
}

func (l *limiter) bucket(client string, now time.Time) *bucket {
	b, found := l.buckets.GetIfPresent(client)
	if !found {
		b, _ = l.buckets.SetIfAbsent(client, &bucket{tokens: float64(l.perMinute), at: now})
	}
	return b
}

// take charges cost points to client. If the bucket holds too few, nothing is charged and RetryIn says
// how long until it holds enough; a cost larger than the whole bucket can never be paid. With debt, the
// points are taken even if the bucket holds too few (what is sent cannot be taken back), as long as it
// is not empty, and the client waits afterwards. A negative cost gives points back.
func (l *limiter) take(client string, cost int, debt bool, now time.Time) (q graph.Quota, ok bool) {
	if l.perMinute <= 0 {
		return graph.Quota{Cost: cost, Limit: math.MaxInt32, Remaining: math.MaxInt32, ResetAt: now}, true
	}
	b := l.bucket(client, now)
	b.mu.Lock()
	defer b.mu.Unlock()
	tokens := b.level(l, now)
	q = graph.Quota{Limit: l.perMinute, Cost: cost}
	switch short := float64(cost) - tokens; {
	case cost > l.perMinute && !debt:
		q.RetryIn = time.Minute
	case short > 0 && !(debt && tokens > 0):
		q.RetryIn = time.Duration(short / float64(l.perMinute) * float64(time.Minute))
	default:
		b.tokens = min(float64(l.perMinute), tokens-float64(cost))
		ok = true
	}
	q.Remaining = max(0, int(b.tokens))
	q.ResetAt = now.Add(time.Duration((float64(l.perMinute) - b.tokens) / float64(l.perMinute) * float64(time.Minute)))
	return q, ok
}

// account is one request's client at the limiter: what the request has been charged so far, told to
// the client in the answer's headers.
type account struct {
	l       *limiter
	w       http.ResponseWriter
	client  string
	charged int
	sent    bool // the body has begun: the standing goes into trailers
}

func (l *limiter) account(w http.ResponseWriter, r *http.Request) *account {
	return &account{l: l, w: w, client: l.clients.key(r)}
}

// charge takes cost points before the work is done, or refuses with a *graph.RateLimitedError. It is
// the request's graph.Meter: GraphQL operations are charged through graph's pricing extension, which
// calls it; kept answers and the other routes call it directly.
func (a *account) charge(cost int) (graph.Quota, error) {
	q, ok := a.l.take(a.client, cost, false, a.l.now())
	if !ok {
		a.tell(q)
		return q, &graph.RateLimitedError{Quota: q}
	}
	a.charged += cost
	q.Cost = a.charged
	a.tell(q)
	return q, nil
}

// settle makes the request's charge final once the work is done: points for what it did not need are
// given back, and what it needed beyond its charge is taken, even into debt.
func (a *account) settle(final int) {
	q, _ := a.l.take(a.client, final-a.charged, true, a.l.now())
	a.charged = final
	q.Cost = final
	a.tell(q)
}

// tell writes the client's standing into the answer's headers, or its trailers once the body is sent.
func (a *account) tell(q graph.Quota) {
	h, prefix := a.w.Header(), ""
	if a.sent {
		prefix = http.TrailerPrefix
	}
	h.Set(prefix+"X-RateLimit-Limit", strconv.Itoa(q.Limit))
	h.Set(prefix+"X-RateLimit-Remaining", strconv.Itoa(q.Remaining))
	h.Set(prefix+"X-RateLimit-Reset", strconv.FormatInt(q.ResetAt.Unix(), 10))
	h.Set(prefix+"X-Query-Cost", strconv.Itoa(q.Cost))
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
