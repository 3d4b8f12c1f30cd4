package iam

import (
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ferrystore/ferry/internal/meta"
)

// Two services over one keyspace stand for two processes: a write through
// one moves the other's generation once it refreshes, and only then.
func TestRefreshSeesOtherWriters(t *testing.T) {
	store := meta.NewMemory()
	home, follower := New(store, nil), New(store, nil)
	if err := follower.Refresh(); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		write  *Service
		reader *Service
	}{
		{"home writes", home, follower},
		{"follower writes", follower, home},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.reader.Refresh(); err != nil {
				t.Fatal(err)
			}
			before := st.reader.Generation()
			if err := st.reader.Refresh(); err != nil || st.reader.Generation() != before {
				t.Fatalf("refresh without a write moved the generation (%v)", err)
			}
			name := []string{"u1", "u2"}[i]
			if _, err := st.write.CreateUser(ctx, rootA, &sdk.CreateUserInput{UserName: s(name)}); err != nil {
				t.Fatal(err)
			}
			if st.reader.Generation() != before {
				t.Fatal("the reader's generation moved before it refreshed")
			}
			if err := st.reader.Refresh(); err != nil {
				t.Fatal(err)
			}
			if st.reader.Generation() == before {
				t.Fatal("the reader's generation did not move after a write elsewhere")
			}
		})
	}
}
