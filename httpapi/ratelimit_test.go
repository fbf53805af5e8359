package httpapi

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// TestClientsAreWhoTheySeemToBe: a client is its token, or else its address; IPv6 addresses by /64;
// X-Forwarded-For counts only when the peer is a trusted proxy, and only as far back as proxies it
// trusts, so a client cannot name itself someone else.
func TestClientsAreWhoTheySeemToBe(t *testing.T) {
	trusted := clients{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}}
	tests := []struct {
		name, remote, forwarded string
		clients                 clients
		token                   *store.Token
		want                    string
	}{
		{"an IPv4 address", "192.0.2.7:5000", "", clients{}, nil, "address:192.0.2.7"},
		{"an IPv6 address, by its /64", "[2001:db8:1:2:aaaa::1]:5000", "", clients{}, nil, "address:2001:db8:1:2::/64"},
		{"another address of the same /64", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:5000", "", clients{}, nil, "address:2001:db8:1:2::/64"},
		{"an IPv4-mapped IPv6 address", "[::ffff:192.0.2.7]:5000", "", clients{}, nil, "address:192.0.2.7"},
		{"a token", "192.0.2.7:5000", "", clients{}, &store.Token{Name: "kansliet"}, "token:kansliet"},
		{"X-Forwarded-For from an untrusted peer", "192.0.2.7:5000", "198.51.100.1", trusted, nil, "address:192.0.2.7"},
		{"X-Forwarded-For with no trusted proxies", "10.0.0.2:5000", "198.51.100.1", clients{}, nil, "address:10.0.0.2"},
		{"X-Forwarded-For from a trusted proxy", "10.0.0.2:5000", "198.51.100.1", trusted, nil, "address:198.51.100.1"},
		{"through two trusted proxies", "10.0.0.2:5000", "198.51.100.1, 10.1.1.1", trusted, nil, "address:198.51.100.1"},
		{"a client naming itself someone else", "10.0.0.2:5000", "203.0.113.9, 198.51.100.1", trusted, nil, "address:198.51.100.1"},
		{"a malformed entry", "10.0.0.2:5000", "198.51.100.1, nonsense, 10.1.1.1", trusted, nil, "address:10.1.1.1"},
		{"an IPv6 client through a trusted proxy", "[fd00::2]:5000", "2001:db8:9::1", trusted, nil, "address:2001:db8:9::/64"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/graphql", nil)
		r.RemoteAddr = tt.remote
		if tt.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		if tt.token != nil {
			r = r.WithContext(graph.WithToken(r.Context(), tt.token))
		}
		if got := tt.clients.key(r); got != tt.want {
			t.Errorf("%s: key = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTheLimiterStaysBounded: however many clients come, no more than maxClients buckets are kept, and
// a client whose bucket was forgotten starts again with a full one, as a new client does.
func TestTheLimiterStaysBounded(t *testing.T) {
	l := newLimiter(600, clients{}, nil)
	now := time.Now()
	if q, ok := l.take("address:192.0.2.1", 500, false, now); !ok || q.Remaining != 100 {
		t.Fatalf("a new client's first request: %+v, %v; want 100 of 600 left", q, ok)
	}
	for i := range maxClients + maxClients/2 {
		l.take(clientName(i), 1, false, now)
	}
	l.buckets.CleanUp()
	if n := l.buckets.EstimatedSize(); n > maxClients {
		t.Errorf("%d buckets kept for %d clients; want at most %d", n, maxClients+maxClients/2+1, maxClients)
	}
	if q, ok := l.take("address:192.0.2.1", 500, false, now.Add(time.Minute)); !ok || q.Remaining != 100 {
		t.Errorf("the first client a minute later: %+v, %v; want a full bucket again", q, ok)
	}
}

func clientName(i int) string { return fmt.Sprintf("address:10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// BenchmarkLimiter charges new clients, each never seen before, once 100,000 are known: the time per
// new client is ns/op, and the memory the 100,000 take is bytes/client (and MB, for all of them).
func BenchmarkLimiter(b *testing.B) {
	const known = 100_000
	names := make([]string, known)
	for i := range names {
		names[i] = clientName(i)
	}
	now := time.Now()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newLimiter(30000, clients{}, nil)
	for _, name := range names {
		l.take(name, 10, false, now)
	}
	l.buckets.CleanUp()
	runtime.GC()
	runtime.ReadMemStats(&after)
	perClient := float64(after.HeapAlloc-before.HeapAlloc) / known
	i := known
	for b.Loop() {
		l.take(clientName(i), 10, false, now)
		i++
	}
	b.ReportMetric(perClient, "bytes/client")
	b.ReportMetric(perClient*known/1e6, "MB/100k")
	runtime.KeepAlive(names)
}
