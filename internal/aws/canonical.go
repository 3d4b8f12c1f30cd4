package aws

import (
	"crypto/sha256"
	"encoding/hex"
)

func canonicalID(s string) string {
	sum := sha256.Sum256([]byte("ferry-canonical-user:" + s))
	return hex.EncodeToString(sum[:])
}
