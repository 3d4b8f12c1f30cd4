package aws

import (
	"regexp"
	"testing"
)

func TestNewUUID(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		u := NewUUID()
		if !form.MatchString(u) || seen[u] {
			t.Fatalf("NewUUID() = %q: not a fresh version 4 UUID", u)
		}
		seen[u] = true
	}
}
