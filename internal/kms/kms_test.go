package kms

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/meta"
)

const region = "us-east-1"

var (
	ctx   = context.Background()
	alice = principal("111111111111")
	bob   = principal("222222222222")
)

func principal(account string) aws.Principal {
	a := aws.AccountID(account)
	return aws.Principal{Type: aws.PrincipalRoot, Account: a, ARN: aws.RootARN(a), UserID: account}
}

type fixture struct {
	svc   *Service
	clock *aws.ManualClock
	store meta.Store
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store := meta.NewMemory()
	root, err := keyring.Open(store, keyring.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return &fixture{svc: New(Config{Store: store, Root: root, Clock: clock}), clock: clock, store: store}
}

func (f *fixture) key(t testing.TB, p aws.Principal) *Key {
	t.Helper()
	k, err := f.svc.CreateKey(ctx, p, region, CreateKeyInput{Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wantCode fails unless err is an AWS error with code (and, if given, message).
func wantCode(t *testing.T, err error, code string, msg ...string) {
	t.Helper()
	e, ok := aws.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if len(msg) > 0 && e.Message != msg[0] {
		t.Fatalf("message = %q, want %q", e.Message, msg[0])
	}
	if e.Status != 400 {
		t.Fatalf("status = %d, want 400", e.Status)
	}
}

func TestCreateKeyShapes(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	if !ValidKeyID(k.ID) || strings.HasPrefix(k.ID, "mrk-") || k.ARN != "arn:aws:kms:us-east-1:111111111111:key/"+k.ID {
		t.Fatalf("bad key id/arn: %s %s", k.ID, k.ARN)
	}
	if k.State != StateEnabled || k.Current() != 1 || !strings.Contains(k.Policy, aws.RootARN(alice.Account)) {
		t.Fatalf("bad new key: %+v", k)
	}
	mrk, err := f.svc.CreateKey(ctx, alice, region, CreateKeyInput{MultiRegion: true})
	if err != nil || !strings.HasPrefix(mrk.ID, "mrk-") || len(mrk.ID) != 36 || !ValidKeyID(mrk.ID) {
		t.Fatalf("multi-region key id %q, %v", mrk.ID, err)
	}
	keys, _ := f.svc.ListKeys(ctx, alice, region)
	if len(keys) != 2 {
		t.Fatalf("ListKeys = %d keys, want 2", len(keys))
	}
	if keys, _ := f.svc.ListKeys(ctx, alice, "eu-west-1"); len(keys) != 0 {
		t.Fatal("keys leaked into another region")
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	tests := []struct {
		name string
		pt   []byte
		ec   EncryptionContext
	}{
		{"no context", []byte("hello"), nil},
		{"one pair", []byte("hello"), EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/k"}},
		{"several pairs", bytes.Repeat([]byte{7}, MaxPlaintext), EncryptionContext{"a": "1", "b": "2", "c": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := f.svc.Encrypt(ctx, alice, region, k.ID, tc.pt, tc.ec)
			if err != nil {
				t.Fatal(err)
			}
			if enc.KeyID != k.ARN || bytes.Contains(enc.CiphertextBlob, tc.pt) {
				t.Fatalf("bad Encrypt output %+v", enc)
			}
			dec, err := f.svc.Decrypt(ctx, alice, region, enc.CiphertextBlob, tc.ec, "")
			if err != nil || !bytes.Equal(dec.Plaintext, tc.pt) || dec.KeyID != k.ARN {
				t.Fatalf("Decrypt = %+v, %v", dec, err)
			}
		})
	}
}

func TestDecryptRejects(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	other := f.key(t, alice)
	ec := EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/k", "x": "y"}
	enc, err := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("secret"), ec)
	if err != nil {
		t.Fatal(err)
	}
	blob := enc.CiphertextBlob
	flip := func(i int) []byte {
		b := bytes.Clone(blob)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name   string
		blob   []byte
		ec     EncryptionContext
		keyRef string
		code   string
	}{
		{"missing context", blob, nil, "", "InvalidCiphertextException"},
		{"wrong value", blob, EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/other", "x": "y"}, "", "InvalidCiphertextException"},
		{"extra pair", blob, EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/k", "x": "y", "z": ""}, "", "InvalidCiphertextException"},
		{"case differs", blob, EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b/k", "X": "y"}, "", "InvalidCiphertextException"},
		{"tampered ciphertext", flip(len(blob) - 1), ec, "", "InvalidCiphertextException"},
		{"tampered version", flip(15 + len(k.ID) + 3), ec, "", "InvalidCiphertextException"},
		{"garbage", []byte("not a blob"), ec, "", "InvalidCiphertextException"},
		{"truncated", blob[:20], ec, "", "InvalidCiphertextException"},
		{"other key named", blob, ec, other.ID, "IncorrectKeyException"},
		{"unknown key named", blob, ec, "11111111-2222-3333-4444-555555555555", "NotFoundException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Decrypt(ctx, alice, region, tc.blob, tc.ec, tc.keyRef)
			wantCode(t, err, tc.code)
		})
	}
	// The right key, by any of its names, is accepted.
	f.svc.CreateAlias(ctx, alice, region, "alias/right", k.ID)
	for _, ref := range []string{k.ID, k.ARN, "alias/right", AliasARN(region, alice.Account, "alias/right")} {
		if _, err := f.svc.Decrypt(ctx, alice, region, blob, ec, ref); err != nil {
			t.Errorf("Decrypt with KeyId %s: %v", ref, err)
		}
	}
	// Context order never matters: the encoding is canonical.
	if _, err := f.svc.Decrypt(ctx, alice, region, blob, EncryptionContext{"x": "y", "aws:s3:arn": "arn:aws:s3:::b/k"}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestContextEncodingIsInjective(t *testing.T) {
	hdr := []byte("h")
	a := associatedData(hdr, EncryptionContext{"ab": "c"})
	b := associatedData(hdr, EncryptionContext{"a": "bc"})
	c := associatedData(hdr, EncryptionContext{"a": "b", "c": ""})
	if bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(b, c) {
		t.Fatal("different contexts share an encoding")
	}
	if !bytes.Equal(associatedData(hdr, nil), associatedData(hdr, EncryptionContext{})) {
		t.Fatal("nil and empty contexts differ")
	}
}

func TestKeyStates(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	enc, _ := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("x"), nil)
	use := func() []error {
		_, e1 := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("x"), nil)
		_, e2 := f.svc.Decrypt(ctx, alice, region, enc.CiphertextBlob, nil, "")
		_, e3 := f.svc.GenerateDataKey(ctx, alice, region, k.ID, AES256, nil)
		return []error{e1, e2, e3}
	}
	if err := f.svc.DisableKey(ctx, alice, region, k.ID); err != nil {
		t.Fatal(err)
	}
	for _, err := range use() {
		wantCode(t, err, "DisabledException", k.ARN+" is disabled.")
	}
	if err := f.svc.EnableKey(ctx, alice, region, k.ID); err != nil {
		t.Fatal(err)
	}
	for _, err := range use() {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.ScheduleKeyDeletion(ctx, alice, region, k.ID, 7); err != nil {
		t.Fatal(err)
	}
	for _, err := range use() {
		wantCode(t, err, "KMSInvalidStateException", k.ARN+" is pending deletion.")
	}
	wantCode(t, f.svc.EnableKey(ctx, alice, region, k.ID), "KMSInvalidStateException")
	got, err := f.svc.CancelKeyDeletion(ctx, alice, region, k.ID)
	if err != nil || got.State != StateDisabled {
		t.Fatalf("CancelKeyDeletion = %v, %v; want Disabled", got, err)
	}
	_, err = f.svc.CancelKeyDeletion(ctx, alice, region, k.ID)
	wantCode(t, err, "KMSInvalidStateException")
}

func TestScheduleKeyDeletionWindow(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	for _, days := range []int{-1, 6, 31} {
		_, err := f.svc.ScheduleKeyDeletion(ctx, alice, region, k.ID, days)
		wantCode(t, err, "ValidationException")
	}
	got, err := f.svc.ScheduleKeyDeletion(ctx, alice, region, k.ID, 0)
	if err != nil || got.PendingWindowDays != 30 || !got.DeletionDate.Equal(f.clock.Now().Add(30*day)) {
		t.Fatalf("default window: %+v, %v", got, err)
	}
}

func TestDeletionAfterWindow(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	enc, _ := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("x"), nil)
	f.svc.CreateAlias(ctx, alice, region, "alias/doomed", k.ID)
	f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ID, GranteePrincipal: bob.ARN, Operations: []string{"Decrypt"}})
	if _, err := f.svc.ScheduleKeyDeletion(ctx, alice, region, k.ID, 7); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(7*day - time.Second)
	_, err := f.svc.DescribeKey(ctx, alice, region, k.ID)
	if err != nil {
		t.Fatalf("key gone before its deletion date: %v", err)
	}
	f.clock.Advance(time.Second)
	_, err = f.svc.Decrypt(ctx, alice, region, enc.CiphertextBlob, nil, "")
	wantCode(t, err, "NotFoundException", "Key '"+k.ARN+"' does not exist")
	_, err = f.svc.DescribeKey(ctx, alice, region, "alias/doomed")
	wantCode(t, err, "NotFoundException")
	// Nothing of the key is left in the store.
	for _, prefix := range []meta.Key{keyPrefix(alice.Account, region), aliasPrefix(alice.Account, region), materialPrefix(alice.Account, region, k.ID), grantPrefix(alice.Account, region, k.ID)} {
		it, _ := f.store.NewIterator(prefix, meta.PrefixEnd(prefix))
		if it.First() {
			t.Errorf("rows left under %q", prefix)
		}
		it.Close()
	}
}

func TestPurgeExpired(t *testing.T) {
	f := newFixture(t)
	k1, k2 := f.key(t, alice), f.key(t, bob)
	f.svc.ScheduleKeyDeletion(ctx, alice, region, k1.ID, 7)
	f.svc.ScheduleKeyDeletion(ctx, bob, region, k2.ID, 30)
	f.clock.Advance(8 * day)
	if n, err := f.svc.PurgeExpired(); err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want 1", n, err)
	}
	if _, err := f.svc.readKey(bob.Account, region, k2.ID); err != nil {
		t.Fatal("a key inside its window was purged")
	}
}

func TestRotation(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	var blobs [][]byte
	encrypt := func() []byte {
		enc, err := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("v"), EncryptionContext{"n": "1"})
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, enc.CiphertextBlob)
		return enc.CiphertextBlob
	}
	version := func(blob []byte) uint32 {
		h, _, _, _, err := parseBlob(blob)
		if err != nil {
			t.Fatal(err)
		}
		return h.version
	}
	if v := version(encrypt()); v != 1 {
		t.Fatalf("first version %d", v)
	}
	if _, v, err := f.svc.RotateKeyOnDemand(ctx, alice, region, k.ID); err != nil || v != 2 {
		t.Fatalf("RotateKeyOnDemand = %d, %v", v, err)
	}
	if v := version(encrypt()); v != 2 {
		t.Fatalf("after on-demand rotation, version %d", v)
	}
	// Automatic rotation follows the clock.
	if err := f.svc.EnableKeyRotation(ctx, alice, region, k.ID, 90); err != nil {
		t.Fatal(err)
	}
	st, _ := f.svc.GetKeyRotationStatus(ctx, alice, region, k.ID)
	if !st.Enabled || st.PeriodDays != 90 || !st.NextRotation.Equal(f.clock.Now().Add(90*day)) {
		t.Fatalf("rotation status %+v", st)
	}
	f.clock.Advance(89 * day)
	if v := version(encrypt()); v != 2 {
		t.Fatalf("rotated early: version %d", v)
	}
	f.clock.Advance(day)
	if v := version(encrypt()); v != 3 {
		t.Fatalf("after the period, version %d; want 3", v)
	}
	f.clock.Advance(200 * day) // two periods due at once
	if v := version(encrypt()); v != 5 {
		t.Fatalf("after two more periods, version %d; want 5", v)
	}
	if err := f.svc.DisableKeyRotation(ctx, alice, region, k.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(400 * day)
	if v := version(encrypt()); v != 5 {
		t.Fatalf("rotated while disabled: version %d", v)
	}
	_, rot, err := f.svc.ListKeyRotations(ctx, alice, region, k.ID)
	if err != nil || len(rot) != 4 || rot[0].Rotation != "ON_DEMAND" || rot[1].Rotation != "AUTOMATIC" {
		t.Fatalf("ListKeyRotations = %+v, %v", rot, err)
	}
	for i, b := range blobs {
		if _, err := f.svc.Decrypt(ctx, alice, region, b, EncryptionContext{"n": "1"}, ""); err != nil {
			t.Errorf("blob %d (version %d) no longer decrypts: %v", i, version(b), err)
		}
	}
	for _, days := range []int{89, 2561} {
		wantCode(t, f.svc.EnableKeyRotation(ctx, alice, region, k.ID, days), "ValidationException")
	}
}

func TestRotateOnDemandLimitAndState(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	for range MaxOnDemandRotations {
		if _, _, err := f.svc.RotateKeyOnDemand(ctx, alice, region, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := f.svc.RotateKeyOnDemand(ctx, alice, region, k.ID)
	wantCode(t, err, "LimitExceededException")
	k2 := f.key(t, alice)
	f.svc.DisableKey(ctx, alice, region, k2.ID)
	_, _, err = f.svc.RotateKeyOnDemand(ctx, alice, region, k2.ID)
	wantCode(t, err, "DisabledException")
}

func TestKeyReferences(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	bobs := f.key(t, bob)
	if err := f.svc.CreateAlias(ctx, alice, region, "alias/app", k.ID); err != nil {
		t.Fatal(err)
	}
	f.svc.CreateAlias(ctx, bob, region, "alias/app", bobs.ID)
	tests := []struct {
		name string
		p    aws.Principal
		ref  string
		want string // key id, or an error code
		msg  string
	}{
		{"key id", alice, k.ID, k.ID, ""},
		{"key arn", alice, k.ARN, k.ID, ""},
		{"alias name", alice, "alias/app", k.ID, ""},
		{"alias arn", alice, AliasARN(region, alice.Account, "alias/app"), k.ID, ""},
		{"same alias name in another account", bob, "alias/app", bobs.ID, ""},
		{"unknown id", alice, "0f5e2d1c-4b3a-4c2d-9e8f-7a6b5c4d3e2f", "NotFoundException", "Key 'arn:aws:kms:us-east-1:111111111111:key/0f5e2d1c-4b3a-4c2d-9e8f-7a6b5c4d3e2f' does not exist"},
		{"unknown mrk id", alice, "mrk-0123456789abcdef0123456789abcdef", "NotFoundException", "Key 'arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef' does not exist"},
		{"malformed id", alice, "fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"uuid without dashes", alice, strings.ReplaceAll(k.ID, "-", ""), "NotFoundException", "Invalid keyId '" + strings.ReplaceAll(k.ID, "-", "") + "'"},
		{"arn of another region", alice, strings.Replace(k.ARN, region, "us-west-2", 1), "NotFoundException", "Invalid arn us-west-2"},
		{"unknown alias", alice, "alias/nope", "NotFoundException", "Alias arn:aws:kms:us-east-1:111111111111:alias/nope is not found."},
		{"cross-account bare id", bob, k.ID, "NotFoundException", "Key 'arn:aws:kms:us-east-1:222222222222:key/" + k.ID + "' does not exist"},
		{"cross-account by arn reaches authorize", bob, k.ARN, "AccessDeniedException",
			"User: arn:aws:iam::222222222222:root is not authorized to perform: kms:DescribeKey on resource: " + k.ARN + " because no resource-based policy allows the kms:DescribeKey action"},
		{"cross-account alias arn", bob, AliasARN(region, alice.Account, "alias/app"), "AccessDeniedException", ""},
		{"anonymous", aws.Anonymous, k.ARN, "AccessDeniedException", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.DescribeKey(ctx, tc.p, region, tc.ref)
			if ValidKeyID(tc.want) {
				if err != nil || got.ID != tc.want {
					t.Fatalf("DescribeKey(%s) = %v, %v; want %s", tc.ref, got, err, tc.want)
				}
				return
			}
			if tc.msg != "" {
				wantCode(t, err, tc.want, tc.msg)
			} else {
				wantCode(t, err, tc.want)
			}
		})
	}
}

func TestCrossAccountCiphertext(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	enc, _ := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("x"), nil)
	_, err := f.svc.Decrypt(ctx, bob, region, enc.CiphertextBlob, nil, "")
	wantCode(t, err, "AccessDeniedException")
	// The blob is bound to its region: the same key id does not exist elsewhere.
	_, err = f.svc.Decrypt(ctx, alice, "eu-west-1", enc.CiphertextBlob, nil, "")
	wantCode(t, err, "NotFoundException")
}

func TestAliases(t *testing.T) {
	f := newFixture(t)
	k1, k2 := f.key(t, alice), f.key(t, alice)
	bad := []struct {
		name, code string
	}{
		{"app", "ValidationException"},
		{"alias/", "ValidationException"},
		{"alias/Service:Test", "ValidationException"},
		{"alias/aws/mine", "InvalidAliasNameException"},
	}
	for _, tc := range bad {
		wantCode(t, f.svc.CreateAlias(ctx, alice, region, tc.name, k1.ID), tc.code)
	}
	if err := f.svc.CreateAlias(ctx, alice, region, "alias/app", k1.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.CreateAlias(ctx, alice, region, "alias/app", k2.ID), "AlreadyExistsException",
		"An alias with the name arn:aws:kms:us-east-1:111111111111:alias/app already exists")
	if err := f.svc.UpdateAlias(ctx, alice, region, "alias/app", k2.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.DescribeKey(ctx, alice, region, "alias/app"); got.ID != k2.ID {
		t.Fatal("UpdateAlias did not move the alias")
	}
	if list, _ := f.svc.ListAliases(ctx, alice, region, k1.ID); len(list) != 0 {
		t.Fatalf("aliases of k1: %v", list)
	}
	// Aliases are per region.
	if _, err := f.svc.DescribeKey(ctx, alice, "eu-west-1", "alias/app"); !aws.IsCode(err, "NotFoundException") {
		t.Fatalf("alias visible in another region: %v", err)
	}
	if err := f.svc.DeleteAlias(ctx, alice, region, "alias/app"); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.DescribeKey(ctx, alice, region, "alias/app")
	wantCode(t, err, "NotFoundException")
	// Bob cannot point his alias at Alice's key.
	wantCode(t, f.svc.CreateAlias(ctx, bob, region, "alias/steal", k1.ARN), "AccessDeniedException")
}

func TestManagedS3Key(t *testing.T) {
	f := newFixture(t)
	k, err := f.svc.DescribeKey(ctx, alice, region, ManagedS3Alias)
	if err != nil {
		t.Fatal(err)
	}
	if k.Manager != ManagerAWS || !k.RotationEnabled {
		t.Fatalf("managed key %+v", k)
	}
	again, _ := f.svc.DescribeKey(ctx, alice, region, ManagedS3Alias)
	if again.ID != k.ID {
		t.Fatal("aws/s3 created twice")
	}
	if _, err := f.svc.GenerateDataKey(ctx, alice, region, ManagedS3Alias, AES256, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.DisableKey(ctx, alice, region, k.ID), "UnsupportedOperationException")
	_, err = f.svc.ScheduleKeyDeletion(ctx, alice, region, k.ID, 7)
	wantCode(t, err, "UnsupportedOperationException")
	// Another account's aws/s3 is never created by naming it.
	_, err = f.svc.DescribeKey(ctx, bob, region, AliasARN(region, alice.Account, "alias/aws/s3x"))
	wantCode(t, err, "NotFoundException")
}

func TestDataKeysAndRandom(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	ec := EncryptionContext{"aws:s3:arn": "arn:aws:s3:::b"}
	specs := []struct {
		spec DataKeySpec
		n    int
		code string
	}{
		{AES256, 32, ""},
		{DataKeySpec{KeySpec: "AES_128"}, 16, ""},
		{DataKeySpec{NumberOfBytes: 64}, 64, ""},
		{DataKeySpec{NumberOfBytes: 1024}, 1024, ""},
		{DataKeySpec{}, 0, "ValidationException"},
		{DataKeySpec{KeySpec: "AES_256", NumberOfBytes: 32}, 0, "ValidationException"},
		{DataKeySpec{KeySpec: "AES_512"}, 0, "ValidationException"},
		{DataKeySpec{NumberOfBytes: 1025}, 0, "ValidationException"},
	}
	for _, tc := range specs {
		out, err := f.svc.GenerateDataKey(ctx, alice, region, k.ID, tc.spec, ec)
		if tc.code != "" {
			wantCode(t, err, tc.code)
			continue
		}
		if err != nil || len(out.Plaintext) != tc.n {
			t.Fatalf("GenerateDataKey(%+v) = %d bytes, %v", tc.spec, len(out.Plaintext), err)
		}
		dec, err := f.svc.Decrypt(ctx, alice, region, out.CiphertextBlob, ec, "")
		if err != nil || !bytes.Equal(dec.Plaintext, out.Plaintext) {
			t.Fatalf("data key does not decrypt: %v", err)
		}
	}
	out, err := f.svc.GenerateDataKeyWithoutPlaintext(ctx, alice, region, k.ID, AES256, ec)
	if err != nil || out.Plaintext != nil || len(out.CiphertextBlob) == 0 {
		t.Fatalf("GenerateDataKeyWithoutPlaintext = %+v, %v", out, err)
	}
	for _, n := range []int{0, 1025} {
		_, err := f.svc.GenerateRandom(ctx, alice, region, n)
		wantCode(t, err, "ValidationException")
	}
	if r, err := f.svc.GenerateRandom(ctx, alice, region, 1024); err != nil || len(r) != 1024 {
		t.Fatal(err)
	}
	_, err = f.svc.Encrypt(ctx, alice, region, k.ID, make([]byte, MaxPlaintext+1), nil)
	wantCode(t, err, "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
}

func TestReEncrypt(t *testing.T) {
	f := newFixture(t)
	src, dst := f.key(t, alice), f.key(t, alice)
	enc, _ := f.svc.Encrypt(ctx, alice, region, src.ID, []byte("moving"), EncryptionContext{"a": "1"})
	out, err := f.svc.ReEncrypt(ctx, alice, region, ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceContext: EncryptionContext{"a": "1"},
		DestinationKeyRef: dst.ID, DestinationContext: EncryptionContext{"b": "2"},
	})
	if err != nil || out.SourceKeyID != src.ARN || out.KeyID != dst.ARN {
		t.Fatalf("ReEncrypt = %+v, %v", out, err)
	}
	dec, err := f.svc.Decrypt(ctx, alice, region, out.CiphertextBlob, EncryptionContext{"b": "2"}, dst.ARN)
	if err != nil || string(dec.Plaintext) != "moving" {
		t.Fatalf("Decrypt after ReEncrypt = %q, %v", dec.Plaintext, err)
	}
	_, err = f.svc.ReEncrypt(ctx, alice, region, ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyRef: dst.ID})
	wantCode(t, err, "InvalidCiphertextException")
}

func TestTagsPolicyGrants(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	if err := f.svc.TagResource(ctx, alice, region, k.ID, []Tag{{"team", "a"}, {"env", "prod"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.TagResource(ctx, alice, region, k.ID, []Tag{{"aws:x", "1"}}), "TagException", "Tags beginning with aws: are reserved")
	wantCode(t, f.svc.TagResource(ctx, alice, region, k.ID, []Tag{{"x", "1"}, {"x", "2"}}), "TagException", "Duplicate tag keys")
	f.svc.UntagResource(ctx, alice, region, k.ID, []string{"team"})
	tags, _ := f.svc.ListResourceTags(ctx, alice, region, k.ID)
	if len(tags) != 1 || tags[0] != (Tag{"env", "prod"}) {
		t.Fatalf("tags = %v", tags)
	}
	wantCode(t, f.svc.PutKeyPolicy(ctx, alice, region, k.ID, `{"Statement":`, false),
		"MalformedPolicyDocumentException", "The policy is not in a valid JSON format.")
	wantCode(t, f.svc.PutKeyPolicy(ctx, alice, region, k.ID, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"nobody"},"Action":"kms:*","Resource":"*"}]}`, false),
		"MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + string(alice.Account) + `:root"},"Action":"kms:*","Resource":"*"}]}`
	if err := f.svc.PutKeyPolicy(ctx, alice, region, k.ID, policy, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetKeyPolicy(ctx, alice, region, k.ID); got != policy {
		t.Fatalf("policy = %s", got)
	}
	g, err := f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: k.ARN, GranteePrincipal: bob.ARN, Operations: []string{"Decrypt"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateGrant(ctx, alice, region, CreateGrantInput{KeyRef: "alias/x", GranteePrincipal: bob.ARN, Operations: []string{"Decrypt"}})
	wantCode(t, err, "InvalidArnException")
	if gs, _ := f.svc.ListGrants(ctx, alice, region, k.ID); len(gs) != 1 || gs[0].ID != g.ID {
		t.Fatalf("grants = %v", gs)
	}
	if err := f.svc.RevokeGrant(ctx, alice, region, k.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.RevokeGrant(ctx, alice, region, k.ID, g.ID), "NotFoundException")
}

func TestMaterialIsSealedAtRest(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	aead, err := f.svc.material(k, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Recover the raw material the slow way and make sure no row holds it.
	sealed, _ := f.store.Get(materialRow(k.Account, k.Region, k.ID, 1))
	raw, err := f.svc.root.Open(materialPurpose(k, 1), sealed)
	if err != nil || aead == nil {
		t.Fatal(err)
	}
	it, _ := f.store.NewIterator(nil, nil)
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if bytes.Contains(it.Value(), raw) {
			t.Fatalf("raw key material stored under %q", it.Key())
		}
	}
	// A sealed version moved to another key does not open.
	other := f.key(t, alice)
	if _, err := f.svc.root.Open(materialPurpose(other, 1), sealed); err == nil {
		t.Fatal("material opened under another key's purpose")
	}
}

// TestConcurrentUseAndRotation runs encryptions, decryptions and rotations
// at once (meaningful under -race).
func TestConcurrentUseAndRotation(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				if g == 0 && i%10 == 0 {
					if _, _, err := f.svc.RotateKeyOnDemand(ctx, alice, region, k.ID); err != nil {
						done <- err
						return
					}
				}
				enc, err := f.svc.Encrypt(ctx, alice, region, k.ID, []byte("x"), EncryptionContext{"g": "1"})
				if err == nil {
					_, err = f.svc.Decrypt(ctx, alice, region, enc.CiphertextBlob, EncryptionContext{"g": "1"}, "")
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := f.svc.DescribeKey(ctx, alice, region, k.ID); got.Current() != 6 {
		t.Fatalf("after 5 rotations, current version %d", got.Current())
	}
}

// TestKeyCacheCopies checks that a caller changing the key record it got
// changes nothing for the next caller (records are cached between commits).
func TestKeyCacheCopies(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, alice)
	if err := f.svc.TagResource(ctx, alice, region, k.ID, []Tag{{Key: "team", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.DescribeKey(ctx, alice, region, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	first.State, first.Tags[0].Value, first.Versions = StateDisabled, "changed", nil
	again, err := f.svc.DescribeKey(ctx, alice, region, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.State != StateEnabled || again.Tags[0].Value != "a" || again.Current() != 1 {
		t.Fatalf("a caller's change leaked into the cached record: %+v", again)
	}
}
