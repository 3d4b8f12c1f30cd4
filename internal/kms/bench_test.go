package kms

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/pebble"
)

// benchStores runs a benchmark on the in-memory store and on Pebble (the
// embedded default), since every operation reads the key record.
func benchStores(b *testing.B, fn func(b *testing.B, svc *Service, k *Key)) {
	stores := map[string]func(b *testing.B) meta.Store{
		"memory": func(*testing.B) meta.Store { return meta.NewMemory() },
		"pebble": func(b *testing.B) meta.Store {
			s, err := pebble.Open(filepath.Join(b.TempDir(), "meta"), pebble.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"memory", "pebble"} {
		b.Run(name, func(b *testing.B) {
			store := stores[name](b)
			root, err := keyring.Open(store, keyring.Options{DataDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			svc := New(Config{Store: store, Root: root, Clock: aws.NewManualClock(time.Now())})
			k, err := svc.CreateKey(ctx, alice, region, CreateKeyInput{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			fn(b, svc, k)
		})
	}
}

var benchContext = EncryptionContext{"aws:s3:arn": "arn:aws:s3:::bucket/some/object/key"}

func BenchmarkEncrypt(b *testing.B) {
	benchStores(b, func(b *testing.B, svc *Service, k *Key) {
		pt := make([]byte, 32)
		for b.Loop() {
			if _, err := svc.Encrypt(ctx, alice, region, k.ID, pt, benchContext); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

func BenchmarkDecrypt(b *testing.B) {
	benchStores(b, func(b *testing.B, svc *Service, k *Key) {
		enc, err := svc.Encrypt(ctx, alice, region, k.ID, make([]byte, 32), benchContext)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := svc.Decrypt(ctx, alice, region, enc.CiphertextBlob, benchContext, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

func BenchmarkGenerateDataKey(b *testing.B) {
	benchStores(b, func(b *testing.B, svc *Service, k *Key) {
		for b.Loop() {
			if _, err := svc.GenerateDataKey(ctx, alice, region, k.ID, AES256, benchContext); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

// BenchmarkEncryptParallel uses every core, as a server would.
func BenchmarkEncryptParallel(b *testing.B) {
	benchStores(b, func(b *testing.B, svc *Service, k *Key) {
		b.RunParallel(func(pb *testing.PB) {
			pt := make([]byte, 32)
			for pb.Next() {
				if _, err := svc.Encrypt(ctx, alice, region, k.ID, pt, benchContext); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}
