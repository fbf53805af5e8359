package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jamforelse/api/clients"
)

// inspect compares two schemas with GraphQL Inspector (@graphql-inspector/cli) and returns its
// verdict: nil when it finds no breaking change. Removing a field that the old schema had deprecated is
// not breaking: clients were told first.
func inspect(t *testing.T, old, new string) ([]byte, error) {
	t.Helper()
	oldFile, newFile := filepath.Join(t.TempDir(), "old.graphqls"), filepath.Join(t.TempDir(), "new.graphqls")
	os.WriteFile(oldFile, []byte(old), 0o644)
	os.WriteFile(newFile, []byte(new), 0o644)
	return clients.Run(t, "npx", "--no-install", "graphql-inspector", "diff", oldFile, newFile, "--rule", "suppressRemovalOfDeprecatedField")
}

// TestNoBreakingChangeSinceTheRelease: schema.graphqls breaks nothing a client of the last released
// schema (schema/released.graphqls) relies on; the check itself refuses a removed field, and accepts
// the removal of one deprecated first.
func TestNoBreakingChangeSinceTheRelease(t *testing.T) {
	clients.Dir(t)
	released, err := os.ReadFile("../schema/released.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	current, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := inspect(t, string(released), string(current)); err != nil {
		t.Errorf("schema.graphqls breaks clients of the released schema: %v\n%s", err, out)
	}

	const field = "  \"The data set's title.\"\n  title: String!\n"
	if !strings.Contains(string(current), field) {
		t.Fatal("Dataset.title is not where this test looks for it")
	}
	without := strings.Replace(string(current), field, "", 1)
	if out, err := inspect(t, string(current), without); err == nil || !strings.Contains(string(out), "Field title was removed from object type Dataset") {
		t.Errorf("removing Dataset.title was not refused as breaking: %v\n%s", err, out)
	}
	deprecated := strings.Replace(string(current), field, "  \"The data set's title.\"\n  title: String! @deprecated(reason: \"Use name.\")\n", 1)
	if out, err := inspect(t, deprecated, without); err != nil {
		t.Errorf("removing Dataset.title once deprecated was refused: %v\n%s", err, out)
	}
}
