package kms

import (
	"bytes"
	"testing"
)

func TestReplicateKey(t *testing.T) {
	f := newFixture(t)
	f.svc.regions = []string{"us-east-1", "us-west-2", "eu-west-1"}
	single := f.key(t, alice)
	primary, err := f.svc.CreateKey(ctx, alice, region, CreateKeyInput{MultiRegion: true})
	if err != nil {
		t.Fatal(err)
	}
	replica, err := f.svc.ReplicateKey(ctx, alice, region, ReplicateKeyInput{KeyRef: primary.ID, ReplicaRegion: "us-west-2", Description: "west",
		Tags: []Tag{{"team", "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if replica.ID != primary.ID || replica.ARN != KeyARN("us-west-2", alice.Account, primary.ID) || replica.KeyType() != MultiRegionReplica ||
		replica.Description != "west" || len(replica.Tags) != 1 || replica.Policy != DefaultKeyPolicy(alice.Account) {
		t.Fatalf("replica = %+v", replica)
	}
	tests := []struct {
		name, ref, region, code, msg string
	}{
		{"a replica is not a primary", replica.ARN, "eu-west-1", "UnsupportedOperationException", replica.ARN + " is not a multi-region primary key."},
		{"a single-Region key", single.ID, "us-west-2", "UnsupportedOperationException", single.ARN + " is not a multi-region primary key."},
		{"the region already has it", primary.ID, "us-west-2", "AlreadyExistsException", ""},
		{"its own region", primary.ID, region, "ValidationException", ""},
		{"a malformed region", primary.ID, "mars", "ValidationException", ""},
		{"a region this server does not host", primary.ID, "ap-south-2", "ValidationException", ""},
		{"another account's principal", primary.ARN, "eu-west-1", "AccessDeniedException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, reg := alice, region
			if tt.code == "AccessDeniedException" {
				p = bob
			}
			if tt.ref == replica.ARN {
				reg = "us-west-2"
			}
			_, err := f.svc.ReplicateKey(ctx, p, reg, ReplicateKeyInput{KeyRef: tt.ref, ReplicaRegion: tt.region})
			if tt.msg != "" {
				wantCode(t, err, tt.code, tt.msg)
			} else {
				wantCode(t, err, tt.code)
			}
		})
	}

	// Same material: the primary's ciphertext decrypts with the replica in
	// its region, and the other way round.
	ec := EncryptionContext{"k": "v"}
	enc, err := f.svc.Encrypt(ctx, alice, region, primary.ID, []byte("across"), ec)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := f.svc.Decrypt(ctx, alice, "us-west-2", enc.CiphertextBlob, ec, "")
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("across")) || dec.KeyID != replica.ARN {
		t.Fatalf("decrypt in the replica's region: %v %+v", err, dec)
	}
	// A rotation of the primary reaches the replica.
	if _, _, err := f.svc.RotateKeyOnDemand(ctx, alice, region, primary.ID); err != nil {
		t.Fatal(err)
	}
	enc2, err := f.svc.Encrypt(ctx, alice, region, primary.ID, []byte("rotated"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Decrypt(ctx, alice, "us-west-2", enc2.CiphertextBlob, nil, ""); err != nil {
		t.Fatalf("replica decrypting the primary's new version: %v", err)
	}
	back, err := f.svc.Encrypt(ctx, alice, "us-west-2", primary.ID, []byte("back"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := f.svc.Decrypt(ctx, alice, region, back.CiphertextBlob, nil, ""); err != nil || string(dec.Plaintext) != "back" {
		t.Fatalf("primary decrypting the replica's ciphertext: %v", err)
	}
	_, _, err = f.svc.RotateKeyOnDemand(ctx, alice, "us-west-2", primary.ID)
	wantCode(t, err, "UnsupportedOperationException")
	wantCode(t, f.svc.EnableKeyRotation(ctx, alice, "us-west-2", primary.ID, 0), "UnsupportedOperationException")
	if err := f.svc.EnableKeyRotation(ctx, alice, region, primary.ID, 180); err != nil {
		t.Fatal(err)
	}
	if st, err := f.svc.GetKeyRotationStatus(ctx, alice, "us-west-2", primary.ID); err != nil || !st.Enabled || st.PeriodDays != 180 {
		t.Fatalf("the replica's rotation status is the primary's: %+v %v", st, err)
	}

	mc := f.svc.MultiRegionConfiguration(replica)
	if mc == nil || mc.Type != MultiRegionReplica || mc.PrimaryKey.ARN != primary.ARN || len(mc.ReplicaKeys) != 1 || mc.ReplicaKeys[0].Region != "us-west-2" {
		t.Fatalf("replica's configuration: %+v", mc)
	}
	p, _ := f.svc.DescribeKey(ctx, alice, region, primary.ID)
	if mc := f.svc.MultiRegionConfiguration(p); mc == nil || mc.Type != MultiRegionPrimary || len(mc.ReplicaKeys) != 1 {
		t.Fatalf("primary's configuration: %+v", mc)
	}
	if f.svc.MultiRegionConfiguration(single) != nil {
		t.Fatal("a single-Region key has a multi-Region configuration")
	}
}
