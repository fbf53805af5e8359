// Package clients finds the npm clients the tests run against the service (package.json here: urql,
// RDF parsers, rdf-validate-shacl, GraphQL Inspector), once .ci/install-node-clients has installed
// them, and runs their scripts. It is for tests only.
package clients

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is this folder, with its node_modules. Without node or the installed clients the test is skipped,
// unless REQUIRE_NODE is set (as CI sets it), when it fails.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	_, err := exec.LookPath("node")
	if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); err == nil && statErr == nil {
		return dir
	}
	if os.Getenv("REQUIRE_NODE") != "" {
		t.Fatal("node or the npm clients are missing; run .ci/install-node-clients")
	}
	t.Skip("node or the npm clients are missing; run .ci/install-node-clients to run this test")
	return ""
}

// Run runs a command in this folder (node SCRIPT …, npx TOOL …) and returns what it printed on
// standard output; what it printed on standard error is logged.
func Run(t testing.TB, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = Dir(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("%s %v: %s", name, args, stderr.String())
	}
	return out, err
}
