package kmsapi

import (
	sdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// Key state and rotation.

func init() {
	register("EnableKey", op(enableKey))
	register("DisableKey", op(disableKey))
	register("ScheduleKeyDeletion", op(scheduleKeyDeletion))
	register("CancelKeyDeletion", op(cancelKeyDeletion))
	register("EnableKeyRotation", op(enableKeyRotation))
	register("DisableKeyRotation", op(disableKeyRotation))
	register("GetKeyRotationStatus", op(getKeyRotationStatus))
	register("RotateKeyOnDemand", op(rotateKeyOnDemand))
	register("ListKeyRotations", op(listKeyRotations))
}

// keyOnly runs an operation whose only input is KeyId and whose output is empty.
func keyOnly(c *call, keyID *string, fn func(ref string) error) (any, error) {
	ref, err := required("keyId", keyID)
	if err != nil {
		return nil, err
	}
	if err := fn(ref); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func enableKey(c *call, in *sdk.EnableKeyInput) (any, error) {
	return keyOnly(c, in.KeyId, func(ref string) error { return c.kms.EnableKey(c.ctx, c.p, c.region, ref) })
}

func disableKey(c *call, in *sdk.DisableKeyInput) (any, error) {
	return keyOnly(c, in.KeyId, func(ref string) error { return c.kms.DisableKey(c.ctx, c.p, c.region, ref) })
}

func scheduleKeyDeletion(c *call, in *sdk.ScheduleKeyDeletionInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	days := kms.DefaultPendingWindowDays
	if in.PendingWindowInDays != nil {
		days = int(*in.PendingWindowInDays)
		if days == 0 {
			return nil, aws.ErrKMSPendingWindow(0)
		}
	}
	k, err := c.kms.ScheduleKeyDeletion(c.ctx, c.p, c.region, ref, days)
	if err != nil {
		return nil, err
	}
	return struct {
		KeyID               string `json:"KeyId"`
		DeletionDate        epoch  `json:"DeletionDate"`
		KeyState            string `json:"KeyState"`
		PendingWindowInDays int    `json:"PendingWindowInDays"`
	}{k.ARN, epoch(k.DeletionDate), string(k.State), k.PendingWindowDays}, nil
}

type keyIDOutput struct {
	KeyID string `json:"KeyId"`
}

func cancelKeyDeletion(c *call, in *sdk.CancelKeyDeletionInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	k, err := c.kms.CancelKeyDeletion(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	return keyIDOutput{k.ARN}, nil
}

func enableKeyRotation(c *call, in *sdk.EnableKeyRotationInput) (any, error) {
	days := kms.DefaultRotationDays
	if in.RotationPeriodInDays != nil {
		days = int(*in.RotationPeriodInDays)
		if days == 0 {
			return nil, aws.ErrKMSRotationPeriod(0)
		}
	}
	return keyOnly(c, in.KeyId, func(ref string) error { return c.kms.EnableKeyRotation(c.ctx, c.p, c.region, ref, days) })
}

func disableKeyRotation(c *call, in *sdk.DisableKeyRotationInput) (any, error) {
	return keyOnly(c, in.KeyId, func(ref string) error { return c.kms.DisableKeyRotation(c.ctx, c.p, c.region, ref) })
}

func getKeyRotationStatus(c *call, in *sdk.GetKeyRotationStatusInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	st, err := c.kms.GetKeyRotationStatus(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	out := struct {
		KeyRotationEnabled        bool   `json:"KeyRotationEnabled"`
		KeyID                     string `json:"KeyId"`
		RotationPeriodInDays      int    `json:"RotationPeriodInDays,omitempty"`
		NextRotationDate          *epoch `json:"NextRotationDate,omitempty"`
		OnDemandRotationStartDate *epoch `json:"OnDemandRotationStartDate,omitempty"`
	}{KeyRotationEnabled: st.Enabled, KeyID: st.KeyARN, OnDemandRotationStartDate: epochPtr(st.OnDemandRotationStart)}
	if st.Enabled {
		out.RotationPeriodInDays, out.NextRotationDate = st.PeriodDays, epochPtr(st.NextRotation)
	}
	return out, nil
}

func rotateKeyOnDemand(c *call, in *sdk.RotateKeyOnDemandInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	id, _, err := c.kms.RotateKeyOnDemand(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	return keyIDOutput{id}, nil
}

type rotation struct {
	KeyID        string `json:"KeyId"`
	RotationDate epoch  `json:"RotationDate"`
	RotationType string `json:"RotationType"`
}

func listKeyRotations(c *call, in *sdk.ListKeyRotationsInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	id, versions, err := c.kms.ListKeyRotations(c.ctx, c.p, c.region, ref)
	if err != nil {
		return nil, err
	}
	rots := make([]rotation, 0, len(versions))
	for _, v := range versions {
		typ := v.Rotation
		if typ == "" {
			typ = "AUTOMATIC"
		}
		rots = append(rots, rotation{id, epoch(v.Created), typ})
	}
	items, pg, err := paginate(rots, in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Rotations []rotation `json:"Rotations"`
		page
	}{items, pg}, nil
}
