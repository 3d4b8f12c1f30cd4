package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
)

// keyID names a derived signing key.
type keyID struct {
	secret, date, region, service string
}

// maxCachedKeys bounds the signing key cache; when full it is emptied.
const maxCachedKeys = 1024

// signingKey derives (or fetches from the cache) the SigV4 signing key:
// HMAC chained over date, region, service and "aws4_request".
func (v *Verifier) signingKey(secret, date, region, service string) []byte {
	id := keyID{secret, date, region, service}
	v.mu.Lock()
	key, ok := v.keys[id]
	v.mu.Unlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= maxCachedKeys {
		v.keys = make(map[keyID][]byte)
	}
	v.keys[id] = key
	v.mu.Unlock()
	return key
}

func deriveKey(secret, date, region, service string) []byte {
	k := hmacSum([]byte("AWS4"+secret), date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	return hmacSum(k, "aws4_request")
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
