package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/demo"
)

// runFerry runs the ferry command with args and returns its output.
func runFerry(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestDemoCommand runs ferry demo where no server answers (it starts one
// in-process), with and without a break, and lists the breaks.
func TestDemoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	out, err := runFerry(t, "demo", "--data-dir", dir, "--objects", "1", "--timeout", "10s")
	if err != nil || !strings.Contains(out, "started one in-process") || !strings.Contains(out, "Ferry did what AWS does.") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	out, err = runFerry(t, "demo", "--data-dir", dir, "--objects", "1", "--break", demo.BreakMissingBucketPolicy)
	if err != nil || !strings.Contains(out, "FAILED with DstPutObjectNotPermitted, as AWS does") {
		t.Fatalf("demo --break: %v\n%s", err, out)
	}
	if _, err := runFerry(t, "demo", "--data-dir", dir, "--break", "nonsense"); err == nil || !strings.Contains(err.Error(), "unknown break") {
		t.Fatalf("unknown break: %v", err)
	}
	out, err = runFerry(t, "demo", "--list-breaks")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range demo.BreakNames() {
		if !strings.Contains(out, name) {
			t.Errorf("--list-breaks lacks %s:\n%s", name, out)
		}
	}
}
