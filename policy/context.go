package policy

import (
	"sort"
	"strings"
)

// Context holds a request's condition keys and their values (aws:SourceIp,
// s3:prefix, kms:EncryptionContext:…). Key names are case-insensitive, as in
// AWS; a key may have several values (multivalued keys such as
// aws:TagKeys). The zero Context is empty and ready to use.
//
// Keys that describe the principal (aws:PrincipalArn, aws:PrincipalAccount,
// aws:userid, aws:username, aws:PrincipalType, aws:PrincipalTag/…,
// aws:PrincipalServiceName, aws:PrincipalIsAWSService) are derived from
// Request.Principal when the context does not set them. Keys about the
// request itself (aws:SourceIp, aws:SecureTransport, aws:CurrentTime,
// aws:SourceAccount…) are the caller's to set.
type Context struct {
	keys map[string][]string // lower-case key → values
}

// ContextOf builds a context from key, value pairs; a key given twice gets
// both values.
func ContextOf(kv ...string) Context {
	var c Context
	for i := 0; i+1 < len(kv); i += 2 {
		c.Add(kv[i], kv[i+1])
	}
	return c
}

// Set replaces key's values. Setting no values records the key as present
// but empty, which the Null operator treats as absent.
func (c *Context) Set(key string, values ...string) {
	if c.keys == nil {
		c.keys = make(map[string][]string)
	}
	c.keys[strings.ToLower(key)] = values
}

// Add appends one value to key.
func (c *Context) Add(key, value string) {
	if c.keys == nil {
		c.keys = make(map[string][]string)
	}
	k := strings.ToLower(key)
	c.keys[k] = append(c.keys[k], value)
}

// Delete removes key.
func (c *Context) Delete(key string) { delete(c.keys, strings.ToLower(key)) }

// Get returns key's values and whether the key is present.
func (c Context) Get(key string) ([]string, bool) {
	v, ok := c.keys[strings.ToLower(key)]
	return v, ok
}

// Keys lists the (lower-case) keys present, sorted.
func (c Context) Keys() []string {
	out := make([]string, 0, len(c.keys))
	for k := range c.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lookup reads a lower-case key without allocating.
func (c Context) lookup(lkey string) ([]string, bool) {
	v, ok := c.keys[lkey]
	return v, ok
}
