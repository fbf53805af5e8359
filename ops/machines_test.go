package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// network is the test's own network: a bridge in a network namespace of its own, a namespace for each
// machine with a link to the bridge, and a link from the test's process (in the namespace it started
// in) to the bridge, so that the test reaches each machine at its address as a client would. The
// machines have no other network: they talk only over the test's addresses.
type network struct {
	id     string // the start of every name the test gives a namespace or link, unique to the process
	prefix string // the first three bytes of every address, "198.18.N" (RFC 2544's range for tests)
	sw     string // the namespace of the bridge
}

// newNetwork makes the network, or skips the test where it cannot: namespaces need root (strictly
// CAP_NET_ADMIN and CAP_SYS_ADMIN) and the ip command (.ci/install-iproute2).
func newNetwork(t *testing.T) *network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: creating network namespaces for the machines needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipped: no ip command to create network namespaces (.ci/install-iproute2 installs it)")
	}
	n := &network{id: fmt.Sprintf("jf%d", os.Getpid()%1_000_000)}
	n.sw = n.id + "-net"
	if err := ip("netns", "add", n.sw); err != nil {
		t.Skipf("skipped: cannot create a network namespace here: %v", err)
	}
	t.Cleanup(func() { ip("netns", "del", n.sw) })
	n.prefix = freePrefix(t)
	must(t, ip("-n", n.sw, "link", "set", "lo", "up"))
	must(t, ip("-n", n.sw, "link", "add", "br0", "type", "bridge"))
	must(t, ip("-n", n.sw, "link", "set", "br0", "up"))
	// The test's own link: one end here, with the address .1, the other on the bridge.
	must(t, ip("link", "add", n.id, "type", "veth", "peer", "name", "test", "netns", n.sw))
	t.Cleanup(func() { ip("link", "del", n.id) })
	must(t, ip("-n", n.sw, "link", "set", "test", "master", "br0", "up"))
	must(t, ip("addr", "add", n.prefix+".1/24", "dev", n.id))
	must(t, ip("link", "set", n.id, "up"))
	return n
}

// freePrefix picks a /24 of 198.18.0.0/15 that no interface here has an address in.
func freePrefix(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "-4", "-o", "addr").Output()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 256 {
		prefix := fmt.Sprintf("198.18.%d", (os.Getpid()+i)%256)
		if !strings.Contains(string(out), " "+prefix+".") {
			return prefix
		}
	}
	t.Fatal("no free /24 in 198.18.0.0/16")
	return ""
}

func ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// machine is one host of the network: a namespace, an address, a directory of its own and the
// processes it runs. Its data directory (data/) is what dies with it; its logs are kept.
type machine struct {
	t     *testing.T
	name  string
	ns    string
	addr  string
	dir   string
	mu    sync.Mutex
	procs []*process
}

func (n *network) machine(t *testing.T, name string, host int) *machine {
	t.Helper()
	m := &machine{t: t, name: name, ns: n.id + "-" + name, addr: fmt.Sprintf("%s.%d", n.prefix, host), dir: filepath.Join(t.TempDir(), name)}
	must(t, ip("netns", "add", m.ns))
	t.Cleanup(func() { ip("netns", "del", m.ns) })
	must(t, ip("-n", n.sw, "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", m.ns))
	must(t, ip("-n", n.sw, "link", "set", name, "master", "br0", "up"))
	must(t, ip("-n", m.ns, "addr", "add", m.addr+"/24", "dev", "eth0"))
	must(t, ip("-n", m.ns, "link", "set", "eth0", "up"))
	must(t, ip("-n", m.ns, "link", "set", "lo", "up"))
	must(t, os.MkdirAll(m.data(), 0o755))
	must(t, os.MkdirAll(filepath.Join(m.dir, "logs"), 0o755))
	return m
}

// data is the machine's data directory.
func (m *machine) data() string { return filepath.Join(m.dir, "data") }

// process is a program running on a machine.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when it has ended
	log  string
}

// start runs a program on the machine, in its namespace, with only PATH and env in its environment
// (nothing of the test's own, such as proxies or certificate bundles), its output in logs/NAME.log.
// It is killed when the test ends, and its log shown if the test failed.
func (m *machine) start(name string, env []string, program string, args ...string) *process {
	m.t.Helper()
	p := &process{name: name, log: filepath.Join(m.dir, "logs", name+".log"), done: make(chan struct{})}
	log, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(m.t, err)
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", m.ns, program}, args...)...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + m.dir}, env...)
	p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = m.dir, log, log
	must(m.t, p.cmd.Start()) // ip execs the program: the process is the program's own
	go func() { p.cmd.Wait(); log.Close(); close(p.done) }()
	m.mu.Lock()
	m.procs = append(m.procs, p)
	m.mu.Unlock()
	m.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if m.t.Failed() {
			out, _ := os.ReadFile(p.log)
			m.t.Logf("%s's %s:\n%s", m.name, name, tail(string(out), 30))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// crash is the machine's death: every process it runs is killed at once (SIGKILL, nothing flushed or
// closed), and its data directory is gone.
func (m *machine) crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.procs {
		p.cmd.Process.Kill()
	}
	for _, p := range m.procs {
		<-p.done
	}
	must(m.t, os.RemoveAll(m.data()))
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// waitUntil polls ok until it holds. A minute is far longer than any step of these tests takes
// (seconds), so running out of it means that what is waited for does not happen.
func waitUntil(t *testing.T, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > time.Minute {
			t.Fatalf("%s: not within a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// program finds a program the project's scripts install, skipping the test without it unless
// REQUIRE_LITESTREAM is set (CI sets it, after .ci/install-litestream and .ci/install-gofakes3).
func program(t *testing.T, name, script string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("REQUIRE_LITESTREAM") != "" {
			t.Fatalf("%s is not installed (%s), and REQUIRE_LITESTREAM is set", name, script)
		}
		t.Skipf("skipped: %s is not installed; %s installs it", name, script)
	}
	return path
}

// buildServer builds the server once for the test.
func buildServer(t *testing.T) string {
	t.Helper()
	dependOnSources(t)
	binary := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", binary, "../server").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binary
}

// dependOnSources looks at every file of the module. These tests build the server (and the drill
// runs it) in processes of their own, which go test's cache does not see: without this, a change to
// the server's code would leave the result of an older server cached as a pass.
func dependOnSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case !d.IsDir():
			_, err = os.Stat(path) // go test records what a test stats, and checks it again before using its cache
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

var client = &http.Client{Timeout: 10 * time.Second}

// graphql posts a query to the server at base and returns the answer's body ("" when it cannot be reached).
func graphql(base, token, query string) string {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func healthy(base string) bool {
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// replicated is a writer and the replica store it streams to, on machines of their own.
type replicated struct {
	server      string // the server binary
	litestream  string
	s3, writer  *machine
	replicaEnv  []string // what Litestream needs to reach the replica (see litestream-writer.yml)
	writerURL   string
	token       string // an editor's
	writerDB    string
	serverFlags []string // every server's
	imports     int      // made by importSteadily
}

// startReplicated starts the object store (gofakes3) and the writer's machine: the server, with a
// heartbeat and serverFlags, and Litestream streaming its database to the store, with the
// configuration in this folder. The database is new and seeded, or a copy of from if not "".
func startReplicated(t *testing.T, n *network, from string, serverFlags ...string) *replicated {
	t.Helper()
	r := &replicated{server: buildServer(t), litestream: program(t, "litestream", ".ci/install-litestream"), serverFlags: serverFlags}
	gofakes3 := program(t, "gofakes3", ".ci/install-gofakes3")
	r.s3, r.writer = n.machine(t, "s3", 2), n.machine(t, "writer", 10)
	r.s3.start("gofakes3", nil, gofakes3, "-backend", "memory", "-initialbucket", "jamforelse", "-host", r.s3.addr+":9000", "-quiet")
	r.replicaEnv = []string{"REPLICA_URL=s3://jamforelse/jamforelse.db?endpoint=http://" + r.s3.addr + ":9000&region=us-east-1",
		"LITESTREAM_ACCESS_KEY_ID=test", "LITESTREAM_SECRET_ACCESS_KEY=test"}

	r.writerDB = filepath.Join(r.writer.data(), "jamforelse.db")
	if from != "" {
		if out, err := exec.Command("cp", from, r.writerDB).CombinedOutput(); err != nil {
			t.Fatalf("cp %s: %v %s", from, err, out)
		}
	}
	out, err := exec.Command(r.server, "token", "create", "-db", r.writerDB, "-name", "kvalitetskansliet", "-role", "editor").CombinedOutput()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	r.token = lines[len(lines)-1]
	r.writerURL = "http://" + r.writer.addr + ":8080"
	r.writer.start("server", nil, r.server, append([]string{"-db", r.writerDB, "-addr", r.writer.addr + ":8080", "-heartbeat", "1s",
		"-metrics-addr", r.writer.addr + ":9090"}, serverFlags...)...)
	r.writer.start("litestream", append([]string{"DB_PATH=" + r.writerDB}, r.replicaEnv...), r.litestream,
		"replicate", "-config", abs(t, "litestream-writer.yml"))
	waitUntil(t, "the writer to answer", func() bool { return healthy(r.writerURL) })
	return r
}

// startReader starts a reader's machine: Litestream restores the replica into its data directory and
// follows it, and a read-only server serves the copy. It returns the server's address.
func (r *replicated) startReader(t *testing.T, n *network, name string, host int) (*machine, string) {
	t.Helper()
	m := n.machine(t, name, host)
	db := filepath.Join(m.data(), "jamforelse.db")
	env := append([]string{"DB_PATH=" + db}, r.replicaEnv...)
	// Until the writer's first snapshot is in the store there is nothing to restore, and the restore
	// ends at once: start it again until it follows (it writes the -txid file then).
	var restore *process
	waitUntil(t, name+"'s restore to follow the replica", func() bool {
		if restore == nil || restore.exited() {
			restore = m.start("litestream", env, r.litestream, "restore", "-config", abs(t, "litestream-reader.yml"), "-f", db)
		}
		_, err := os.Stat(db + "-txid")
		return err == nil
	})
	base := "http://" + m.addr + ":8080"
	m.start("server", nil, r.server, append([]string{"-read-only", "-db", db, "-addr", m.addr + ":8080", "-metrics-addr", m.addr + ":9090"},
		r.serverFlags...)...)
	waitUntil(t, name+" to answer", func() bool { return healthy(base) })
	return m, base
}

func abs(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(name)
	must(t, err)
	return path
}

// importFigure publishes one figure through the writer's API and returns its ID.
func (r *replicated) importFigure(t *testing.T, period string, value float64) string {
	t.Helper()
	body := graphql(r.writerURL, r.token, fmt.Sprintf(`mutation { importObservations(input: {observations: [{metric: "Metric:sfi-pass-rate",
		provider: "Provider:sundbyberg-vuxenutbildning", municipality: "0183", period: %q, value: %v, sampleSize: 50,
		source: "Source:illustrative-results"}]}) { added } }`, period, value))
	if !strings.Contains(body, `"added":1`) {
		t.Fatalf("import of %s: %s", period, body)
	}
	return "Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/" + period
}

// serves reports whether the server at base serves the figure with the value.
func serves(base, id string, value float64) bool {
	body := graphql(base, "", fmt.Sprintf(`{ node(id: %q) { ... on Observation { value } } }`, id))
	return strings.Contains(body, fmt.Sprintf(`"value":%v`, value))
}

// TestMachines runs the service as it runs on several machines: an object store, a writer whose
// Litestream streams its database there, and two readers whose Litestream restores and follows the
// replica, each machine a network namespace of its own with its own data directory, talking only
// over the test's addresses. A figure written on the writer is served by both readers, and the time
// from the writer's answer to each reader serving it is logged; the readers refuse writes and report
// their replication lag in /metrics.
func TestMachines(t *testing.T) {
	n := newNetwork(t)
	r := startReplicated(t, n, "")
	readers := map[string]string{}
	for i, name := range []string{"reader1", "reader2"} {
		_, readers[name] = r.startReader(t, n, name, 11+i)
	}

	var lags []time.Duration
	for i := range 5 {
		period, value := fmt.Sprint(2031+i), 70.5+float64(i)
		id := r.importFigure(t, period, value)
		committed := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for name, base := range readers {
			wg.Go(func() {
				for !serves(base, id, value) {
					if time.Since(committed) > time.Minute { // far past the seconds it takes: it never comes
						t.Errorf("%s does not serve %s a minute after the writer wrote it", name, id)
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				lag := time.Since(committed)
				mu.Lock()
				defer mu.Unlock()
				lags = append(lags, lag)
				t.Logf("figure %s, written on the writer, served by %s %s later", period, name, lag.Round(time.Millisecond))
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	slices.Sort(lags)
	t.Logf("from the writer's answer to a reader serving the figure: median %s, most %s (%d figures × 2 readers; Litestream syncs every 1 s and follows every 1 s)",
		lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond), len(lags)/2)

	for name, base := range readers {
		if body := graphql(base, r.token, `mutation { deleteObservations(input: {ids: ["Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2031"], reason: "x"}) { deleted } }`); !strings.Contains(body, "FORBIDDEN") {
			t.Errorf("%s took a write: %s", name, body)
		}
		families := scrapeMetrics(t, strings.Replace(base, ":8080", ":9090", 1))
		lag := families["jamforelse_replication_lag_seconds"]
		if lag == nil {
			t.Errorf("%s reports no replication lag", name)
			continue
		}
		t.Logf("%s's jamforelse_replication_lag_seconds: %.2f", name, lag.Metric[0].GetGauge().GetValue())
	}
}

// scrapeMetrics reads a server's /metrics with Prometheus's text parser.
func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s/metrics: %v", base, err)
	}
	return families
}
