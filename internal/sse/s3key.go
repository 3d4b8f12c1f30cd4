package sse

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// The SSE-S3 service key wraps the keys of AES256 objects. It is one key per
// world, kept in generations: rotating adds a generation that new objects
// use, while each envelope names the generation that opens it. Every
// generation is stored sealed by the root key:
//
//	'k' 's' generation → root-sealed 32 bytes

var s3KeyPrefix = meta.NewKey('k').Bytes([]byte{'s'})

func s3KeyRow(gen uint64) meta.Key { return s3KeyPrefix.Uint64(gen) }

func s3KeyPurpose(gen uint64) string { return "sse-s3/" + strconv.FormatUint(gen, 10) }

// currentS3Key returns the newest SSE-S3 key, creating the first on first use.
func (s *Service) currentS3Key() (uint64, []byte, error) {
	s.s3mu.Lock()
	defer s.s3mu.Unlock()
	if s.s3cur == 0 {
		if err := s.loadS3Keys(); err != nil {
			return 0, nil, err
		}
	}
	if s.s3cur == 0 {
		if err := s.addS3Key(); err != nil {
			return 0, nil, err
		}
	}
	return s.s3cur, bytesCopy(s.s3keys[s.s3cur]), nil
}

// RotateS3Key adds an SSE-S3 key generation and returns its number; objects
// written from now on use it, older objects keep opening with theirs.
func (s *Service) RotateS3Key() (uint64, error) {
	s.s3mu.Lock()
	defer s.s3mu.Unlock()
	if err := s.loadS3Keys(); err != nil {
		return 0, err
	}
	if err := s.addS3Key(); err != nil {
		return 0, err
	}
	return s.s3cur, nil
}

// addS3Key stores generation s3cur+1; s3mu is held.
func (s *Service) addS3Key() error {
	gen := s.s3cur + 1
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return aws.Internal(err)
	}
	b := s.store.NewBatch()
	defer b.Close()
	b.Set(s3KeyRow(gen), s.root.Seal(s3KeyPurpose(gen), raw))
	if err := b.Commit(); err != nil {
		return aws.Internal(fmt.Errorf("sse: store SSE-S3 key %d: %w", gen, err))
	}
	s.s3keys[gen], s.s3cur = raw, gen
	return nil
}

// s3Key returns the SSE-S3 service key of a generation.
func (s *Service) s3Key(gen uint64) ([]byte, error) {
	s.s3mu.Lock()
	defer s.s3mu.Unlock()
	if _, ok := s.s3keys[gen]; !ok {
		if err := s.loadS3Keys(); err != nil {
			return nil, err
		}
	}
	k, ok := s.s3keys[gen]
	if !ok {
		return nil, aws.Internal(fmt.Errorf("sse: SSE-S3 key generation %d is missing", gen))
	}
	return bytesCopy(k), nil
}

// loadS3Keys opens every stored SSE-S3 key generation; s3mu is held.
func (s *Service) loadS3Keys() error {
	it, err := s.store.NewIterator(s3KeyPrefix, meta.PrefixEnd(s3KeyPrefix))
	if err != nil {
		return aws.Internal(err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		gen, _, ok := meta.ReadUint64(it.Key()[len(s3KeyPrefix):])
		if !ok {
			it.Close()
			return aws.Internal(errors.New("sse: malformed SSE-S3 key row"))
		}
		raw, err := s.root.Open(s3KeyPurpose(gen), it.Value())
		if err != nil {
			it.Close()
			return aws.Internal(fmt.Errorf("sse: open SSE-S3 key %d: %w", gen, err))
		}
		s.s3keys[gen] = raw
		s.s3cur = max(s.s3cur, gen)
	}
	return it.Close()
}
