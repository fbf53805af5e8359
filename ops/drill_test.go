package ops

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRestoreDrill runs the restore drill as an operator would, and fails if it does: the writer's
// machine dies in the middle of an import, a new writer is restored from the replica with nothing
// acknowledged lost beyond the last moments, no part of the import, and the integrity check passing;
// and a point-in-time restore undoes a mistaken import. Its report is in the test's log.
func TestRestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("the drill takes half a minute")
	}
	program(t, "litestream", ".ci/install-litestream")
	dependOnSources(t)
	out, err := exec.Command("bash", "restore-drill.sh").CombinedOutput()
	t.Logf("ops/restore-drill.sh:\n%s", out)
	if err != nil || !strings.Contains(string(out), "\nRESULT: ok\n") {
		t.Fatalf("the drill failed: %v", err)
	}
}
