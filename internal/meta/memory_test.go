package meta_test

import (
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/metatest"
)

func TestMemory(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return meta.NewMemory() })
}
