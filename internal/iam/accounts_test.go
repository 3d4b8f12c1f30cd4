package iam

import (
	"errors"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
)

func TestCreateAccount(t *testing.T) {
	s := New(meta.NewMemory(), nil)
	a, k, err := s.CreateAccount("alpha")
	if err != nil {
		t.Fatal(err)
	}
	if !a.ID.Valid() || len(k.ID) != 20 || k.ID[:4] != "AKIA" || len(k.Secret) != 40 {
		t.Fatalf("bad account or key: %+v %+v", a, k)
	}
	if _, _, err := s.CreateAccount("alpha"); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	got, err := s.AccessKey(k.ID)
	if err != nil || got.Secret != k.Secret || got.Principal().Account != a.ID {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	if p := got.Principal(); p.ARN != "arn:aws:iam::"+string(a.ID)+":root" {
		t.Fatalf("principal %+v", p)
	}
	if _, err := s.AccessKey("AKIANOPE"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("unknown key: %v", err)
	}
	if _, _, err := s.CreateAccount("beta"); err != nil {
		t.Fatal(err)
	}
	list, err := s.Accounts()
	if err != nil || len(list) != 2 || list[0].Name != "alpha" {
		t.Fatalf("accounts %+v %v", list, err)
	}
}
