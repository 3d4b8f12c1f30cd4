// Package iam owns identities: accounts, their root access keys, users,
// roles, inline and managed policies and access keys. IAM is global: one
// Service serves every region. Records live in the shared meta.Store under
// table bytes starting with 'i' (S3 uses upper-case table bytes).
//
//	'i' 'a' accountID            → Account
//	'i' 'n' name                 → accountID (names are unique)
//	'i' 'k' accessKey            → AccessKey
//	'i' 'r' accountID            → the account's root access key id
//	'i' 'u' accountID lower(name) → User (IAM names are case-insensitive)
//	'i' 'o' accountID lower(name) → Role
//	'i' 'p' accountID lower(name) → ManagedPolicy (customer managed)
//
// Every operation authorizes its caller at one point, through the Authorizer
// of the Config, and validates policy documents through its PolicyValidator.
package iam

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/memo"
	"github.com/ferrystore/ferry/internal/meta"
)

// Account is an AWS account hosted by this server.
type Account struct {
	ID      aws.AccountID `json:"id"`
	Name    string        `json:"name"`
	Created time.Time     `json:"created"`
}

// AccessKey is a long-term access key.
type AccessKey struct {
	ID      string        `json:"id"`
	Secret  string        `json:"secret"`
	Account aws.AccountID `json:"account"`
	// ARN of the key's owner: the account root or an IAM user.
	OwnerARN string `json:"owner"`
	// UserName and UserID are set for an IAM user's key.
	UserName string    `json:"userName,omitempty"`
	UserID   string    `json:"userId,omitempty"`
	Status   string    `json:"status"` // Active or Inactive
	Created  time.Time `json:"created"`
}

// ErrNoSuchAccount is returned for an unknown account.
var ErrNoSuchAccount = errors.New("iam: no such account")

// ErrAccountExists is returned when an account name is taken.
var ErrAccountExists = errors.New("iam: account name already exists")

// ErrNoSuchKey is returned for an unknown access key.
var ErrNoSuchKey = errors.New("iam: no such access key")

// Service manages identities.
type Service struct {
	store    meta.Store
	clock    aws.Clock
	authz    Authorizer
	validate PolicyValidator
	mu       sync.Mutex // serialises account creation
	writeMu  sync.Mutex // serialises read-modify-write of users, roles and policies
	// generation counts entity writes (see Generation).
	generation atomic.Uint64
	// stamp is the last IAM write stamp this process wrote or saw.
	stamp atomic.Pointer[[]byte]
	// keys caches access keys by id: every request looks its key up. Any
	// IAM write clears it (see commit).
	keys *memo.Table[string, AccessKey]
}

// Config holds what a Service is built from.
type Config struct {
	Store meta.Store
	Clock aws.Clock // nil: the system clock
	// Authorizer decides every IAM call; nil means OwnerOnly.
	Authorizer Authorizer
	// ValidatePolicy checks policy documents; nil means BasicValidator.
	ValidatePolicy PolicyValidator
}

// NewService returns the identity service.
func NewService(cfg Config) *Service {
	s := &Service{store: cfg.Store, clock: cfg.Clock, authz: cfg.Authorizer, validate: cfg.ValidatePolicy,
		keys: memo.New[string, AccessKey](keyCacheLimit)}
	if s.clock == nil {
		s.clock = aws.SystemClock{}
	}
	if s.authz == nil {
		s.authz = OwnerOnly{}
	}
	if s.validate == nil {
		s.validate = BasicValidator
	}
	return s
}

// New returns the identity service with the interim authorizer and validator.
func New(store meta.Store, clock aws.Clock) *Service {
	return NewService(Config{Store: store, Clock: clock})
}

func accountKey(id aws.AccountID) []byte {
	return meta.NewKey('i').Bytes([]byte{'a'}).String(string(id))
}
func nameKey(name string) []byte    { return meta.NewKey('i').Bytes([]byte{'n'}).String(name) }
func accessKeyKey(id string) []byte { return meta.NewKey('i').Bytes([]byte{'k'}).String(id) }

// CreateAccount creates an account with a fresh id and a root access key.
func (s *Service) CreateAccount(name string) (Account, AccessKey, error) {
	if name == "" || len(name) > 50 {
		return Account{}, AccessKey{}, fmt.Errorf("iam: account name must be 1 to 50 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.store.Get(nameKey(name)); err == nil {
		return Account{}, AccessKey{}, fmt.Errorf("%w: %s", ErrAccountExists, name)
	} else if !errors.Is(err, meta.ErrNotFound) {
		return Account{}, AccessKey{}, fmt.Errorf("iam: look up account name: %w", err)
	}
	id, err := s.newAccountID()
	if err != nil {
		return Account{}, AccessKey{}, err
	}
	now := s.clock.Now().UTC()
	acct := Account{ID: id, Name: name, Created: now}
	key := AccessKey{ID: NewAccessKeyID("AKIA"), Secret: NewSecret(), Account: id, OwnerARN: aws.RootARN(id), Status: "Active", Created: now}
	b := s.store.NewBatch()
	defer b.Close()
	b.Set(accountKey(id), mustJSON(acct))
	b.Set(nameKey(name), []byte(id))
	b.Set(accessKeyKey(key.ID), mustJSON(key))
	b.Set(rootIndexKey(id), []byte(key.ID))
	if err := b.Commit(); err != nil {
		return Account{}, AccessKey{}, fmt.Errorf("iam: create account: %w", err)
	}
	return acct, key, nil
}

func (s *Service) newAccountID() (aws.AccountID, error) {
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(9e11))
		if err != nil {
			return "", fmt.Errorf("iam: account id: %w", err)
		}
		id := aws.AccountID(fmt.Sprintf("%012d", n.Int64()+1e11))
		if _, err := s.store.Get(accountKey(id)); errors.Is(err, meta.ErrNotFound) {
			return id, nil
		}
	}
	return "", fmt.Errorf("iam: could not find a free account id")
}

// Account returns an account by id.
func (s *Service) Account(id aws.AccountID) (Account, error) {
	var a Account
	raw, err := s.store.Get(accountKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return a, fmt.Errorf("%w: %s", ErrNoSuchAccount, id)
	}
	if err != nil {
		return a, fmt.Errorf("iam: get account: %w", err)
	}
	return a, json.Unmarshal(raw, &a)
}

// Accounts lists every account, by name.
func (s *Service) Accounts() ([]Account, error) {
	prefix := meta.NewKey('i').Bytes([]byte{'a'})
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, fmt.Errorf("iam: list accounts: %w", err)
	}
	defer it.Close()
	var out []Account
	for ok := it.First(); ok; ok = it.Next() {
		var a Account
		if err := json.Unmarshal(it.Value(), &a); err != nil {
			return nil, fmt.Errorf("iam: decode account: %w", err)
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, it.Close()
}

// AccessKey returns an access key by id.
func (s *Service) AccessKey(id string) (AccessKey, error) {
	k, gen, ok := s.keys.Get(id)
	if ok {
		return k, nil
	}
	raw, err := s.store.Get(accessKeyKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return k, ErrNoSuchKey
	}
	if err != nil {
		return k, fmt.Errorf("iam: get access key: %w", err)
	}
	if err := json.Unmarshal(raw, &k); err != nil {
		return AccessKey{}, fmt.Errorf("iam: decode access key %s: %w", id, err)
	}
	s.keys.Put(id, k, gen)
	return k, nil
}

// keyCacheLimit bounds the access key cache.
const keyCacheLimit = 10000

// Principal returns the identity an access key signs as.
func (k AccessKey) Principal() aws.Principal {
	p := aws.Principal{Type: aws.PrincipalRoot, Account: k.Account, ARN: k.OwnerARN, UserID: string(k.Account), AccessKeyID: k.ID}
	switch k.OwnerARN {
	case aws.RootARN(k.Account):
	case AdminARN:
		p.Type, p.UserID = aws.PrincipalAdmin, "admin"
	default:
		p.Type = aws.PrincipalUser
		if k.UserID != "" {
			p.UserID = k.UserID
		}
	}
	return p
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewAccessKeyID returns a 20-character key id with the given prefix
// (AKIA for long-term keys, ASIA for temporary ones).
func NewAccessKeyID(prefix string) string {
	b := make([]byte, 20-len(prefix))
	rand.Read(b)
	for i := range b {
		b[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	return prefix + string(b)
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewSecret returns a 40-character secret access key.
func NewSecret() string {
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("iam: encode %T: %v", v, err))
	}
	return b
}

// AdminARN names the operator principal of the admin API.
const AdminARN = "arn:ferry:admin"

func rootIndexKey(id aws.AccountID) []byte {
	return meta.NewKey('i').Bytes([]byte{'r'}).String(string(id))
}

// CreateAdminKey creates the operator's access key for the admin API.
func (s *Service) CreateAdminKey() (AccessKey, error) {
	key := AccessKey{ID: NewAccessKeyID("AKIA"), Secret: NewSecret(), OwnerARN: AdminARN, Status: "Active", Created: s.clock.Now().UTC()}
	b := s.store.NewBatch()
	defer b.Close()
	b.Set(accessKeyKey(key.ID), mustJSON(key))
	if err := b.Commit(); err != nil {
		return AccessKey{}, fmt.Errorf("iam: create admin key: %w", err)
	}
	return key, nil
}

// RootKey returns the root access key created with an account.
func (s *Service) RootKey(id aws.AccountID) (AccessKey, error) {
	raw, err := s.store.Get(rootIndexKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return AccessKey{}, ErrNoSuchKey
	}
	if err != nil {
		return AccessKey{}, fmt.Errorf("iam: get root key: %w", err)
	}
	return s.AccessKey(string(raw))
}
