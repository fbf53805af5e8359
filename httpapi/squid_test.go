package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// squid starts Debian's Squid as a shared cache in accelerator mode (a reverse proxy, as a CDN is) in
// front of origin, with a configuration and logs of its own, and returns its address. .ci/install-squid
// installs it; CI sets REQUIRE_SQUID so that a missing Squid fails the run instead of skipping the test.
func squid(t *testing.T, origin string) string {
	t.Helper()
	binary, err := exec.LookPath("squid")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/squid"); serr == nil {
			binary, err = "/usr/sbin/squid", nil
		}
	}
	if err != nil {
		if os.Getenv("REQUIRE_SQUID") != "" {
			t.Fatal("no squid found; run .ci/install-squid")
		}
		t.Skip("no squid found; run .ci/install-squid to run the shared-cache test")
	}
	// Squid run by root works as the proxy user, which must be able to write its logs: not in t.TempDir,
	// which only its owner may enter.
	dir, err := os.MkdirTemp("", "squid-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	u, _ := url.Parse(origin)
	host, port, _ := net.SplitHostPort(u.Host)
	listen := freePort(t)
	conf := filepath.Join(dir, "squid.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`
http_port %s accel defaultsite=%s no-vhost
cache_peer %s parent %s 0 no-query originserver login=PASSTHRU name=origin
http_access allow all
cache_peer_access origin allow all
cache_mem 16 MB
maximum_object_size_in_memory 1 MB
visible_hostname squid-test
pid_filename %[5]s/squid.pid
access_log stdio:%[5]s/access.log
cache_log %[5]s/cache.log
cache_store_log none
coredump_dir %[5]s
shutdown_lifetime 0 seconds
`, listen, u.Host, host, port, dir)), 0o644)
	cmd := exec.Command(binary, "-N", "-f", conf)
	if out, err := exec.Command(binary, "-k", "parse", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("squid does not take the configuration: %v\n%s", err, out)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			for _, log := range []string{"cache.log", "access.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, log))
				t.Logf("squid's %s:\n%s", log, b)
			}
		}
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			return "http://" + listen
		}
		if time.Since(start) > 30*time.Second {
			b, _ := os.ReadFile(filepath.Join(dir, "cache.log"))
			t.Fatalf("squid did not listen on %s within 30 s:\n%s", listen, b)
		}
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// fromSquid reports whether Squid answered from its cache, by its own X-Cache header.
func fromSquid(h http.Header) bool {
	for _, v := range h.Values("X-Cache") {
		if strings.HasPrefix(v, "HIT from squid-test") {
			return true
		}
	}
	return false
}

// TestBehindASharedCache puts Squid in front of the server, as a CDN or a city's proxy would be: an
// admin's answer is never served to anyone else, a public answer is served from the cache, and a
// write is seen through the cache once the answer's max-age has passed.
func TestBehindASharedCache(t *testing.T) {
	const maxAge = 2 * time.Second
	db := seeded(t)
	editor, admin := tokens(t, db)
	origin, log := newTestServerFor(t, db, Options{MaxAge: maxAge})
	cache := squid(t, origin.URL)
	get := func(query string, header map[string]string) (*http.Response, string) {
		return fetch(t, "GET", cache+"/graphql?query="+url.QueryEscape(query), header, "")
	}
	asked := func() int { return strings.Count(log.String(), `"path":"/graphql"`) } // requests that reached the server

	// The audit log, and a public query, asked by an admin and then by anyone.
	for _, query := range []string{`{ auditLog(first: 5) { nodes { actor operation } } }`, `{ dataset { title version } }`} {
		resp, body := get(query, bearer(admin))
		if resp.StatusCode != 200 || strings.Contains(body, "errors") {
			t.Fatalf("the admin's %s: %d %s", query, resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("the admin's %s: Cache-Control %q, want private, no-store", query, cc)
		}
		before := asked()
		resp, anyone := get(query, nil)
		if fromSquid(resp.Header) || asked() != before+1 {
			t.Errorf("%s: the admin's answer was served to an anonymous reader from the cache: %s", query, anyone)
		}
		if strings.Contains(query, "auditLog") && !strings.Contains(anyone, "UNAUTHENTICATED") {
			t.Errorf("an anonymous reader of the audit log got %s", anyone)
		}
	}

	// A public answer comes from the cache the second time, without reaching the server.
	const query = `{ observations(filter: {period: "2031"}) { totalCount } }`
	first, body := get(query, nil)
	if first.StatusCode != 200 || !strings.Contains(body, `"totalCount":0`) {
		t.Fatalf("first public GET: %d %s", first.StatusCode, body)
	}
	before := asked()
	again, body := get(query, nil)
	if !fromSquid(again.Header) || asked() != before || !strings.Contains(body, `"totalCount":0`) {
		t.Errorf("second public GET: X-Cache %q, %d requests reached the server; want a HIT from Squid, none", again.Header.Values("X-Cache"), asked()-before)
	}

	// A write, straight to the server; once max-age has passed the cache asks again and has it.
	resp, wrote := fetch(t, "POST", origin.URL+"/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + editor},
		`{"query":"mutation { importObservations(input: {observations: [{metric: \"Metric:sfi-pass-rate\", provider: \"Provider:sundbyberg-vuxenutbildning\", municipality: \"0183\", period: \"2031\", value: 70, sampleSize: 50, source: \"Source:illustrative-results\"}]}) { added } }"}`)
	if resp.StatusCode != 200 || !strings.Contains(wrote, `"added":1`) {
		t.Fatalf("the write: %d %s", resp.StatusCode, wrote)
	}
	time.Sleep(maxAge + time.Second) // Squid counts age in whole seconds
	if _, body := get(query, nil); !strings.Contains(body, `"totalCount":1`) {
		t.Errorf("%s after the write and the max-age: %s; want the new figure", query, body)
	}
}
