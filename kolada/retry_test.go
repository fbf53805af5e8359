package kolada

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"7", 7 * time.Second},
		{"Sun, 01 Jun 2025 02:00:30 GMT", 30 * time.Second},
		{"", 2 * time.Second},                // none: the fallback
		{"soon", 2 * time.Second},            // unreadable: the fallback
		{"86400", longestWait},               // never longer than longestWait
		{"Sun, 01 Jun 2025 01:00:00 GMT", 0}, // a date passed: at once
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now, 2*time.Second); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestFetchStaysOnTheAPI: a next_url to another host is not followed, and a server that keeps
// answering 429 is given up on after maxAttempts requests, with what it said.
func TestFetchStaysOnTheAPI(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "N00001") {
			w.Write([]byte(`{"count": 0, "values": [], "next_url": "https://elsewhere.example/v3/data?page=2", "previous_url": null}`))
			return
		}
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	waited := 0
	c := &Client{BaseURL: srv.URL + "/v3", Wait: func(context.Context, time.Duration) error { waited++; return nil }}
	_, st, err := c.Fetch(t.Context(), Query{KPIs: []string{"N00001"}, Municipalities: []string{"0183"}, Years: []int{2024}})
	if err == nil || !strings.Contains(err.Error(), `next_url "https://elsewhere.example/v3/data?page=2" does not lead to`) || st.Requests != 1 {
		t.Errorf("a next_url elsewhere: %v after %d requests, want a refusal after 1", err, st.Requests)
	}
	_, st, err = c.Fetch(t.Context(), Query{KPIs: []string{"N00002"}, Municipalities: []string{"0183"}, Years: []int{2024}})
	if err == nil || !strings.Contains(err.Error(), "429 Too Many Requests: slow down") || st.Requests != maxAttempts || waited != maxAttempts-1 {
		t.Errorf("always 429: %v after %d requests and %d waits, want giving up after %d", err, st.Requests, waited, maxAttempts)
	}
}
