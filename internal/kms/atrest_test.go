package kms

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/meta/pebble"
)

// TestMaterialNeverOnDisk creates and rotates keys in a Pebble data
// directory, then scans every file for the raw key material.
func TestMaterialNeverOnDisk(t *testing.T) {
	dir := t.TempDir()
	store, err := pebble.Open(filepath.Join(dir, "meta"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, err := keyring.Open(store, keyring.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	svc := New(Config{Store: store, Root: root, Clock: aws.SystemClock{}})
	var raws [][]byte
	for range 3 {
		k, err := svc.CreateKey(ctx, alice, region, CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		svc.RotateKeyOnDemand(ctx, alice, region, k.ID)
		k, _ = svc.DescribeKey(ctx, alice, region, k.ID)
		for _, v := range k.Versions {
			sealed, err := store.Get(materialRow(k.Account, k.Region, k.ID, v.Version))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := root.Open(materialPurpose(k, v.Version), sealed)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, raw)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		for i, raw := range raws {
			if bytes.Contains(data, raw) {
				t.Errorf("%s holds key material %d in the clear", path, i)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
