package kmsapi

import (
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// epoch is a timestamp as KMS sends it: seconds since 1970, with fractions.
type epoch time.Time

// MarshalJSON writes the time as a JSON number of seconds.
func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// keyMetadata is the KeyMetadata structure of CreateKey and DescribeKey.
type keyMetadata struct {
	AWSAccountID                string   `json:"AWSAccountId"`
	KeyID                       string   `json:"KeyId"`
	Arn                         string   `json:"Arn"`
	CreationDate                epoch    `json:"CreationDate"`
	Enabled                     bool     `json:"Enabled"`
	Description                 string   `json:"Description"`
	KeyUsage                    string   `json:"KeyUsage"`
	KeyState                    string   `json:"KeyState"`
	DeletionDate                *epoch   `json:"DeletionDate,omitempty"`
	PendingDeletionWindowInDays int      `json:"PendingDeletionWindowInDays,omitempty"`
	Origin                      string   `json:"Origin"`
	KeyManager                  string   `json:"KeyManager"`
	CustomerMasterKeySpec       string   `json:"CustomerMasterKeySpec"`
	KeySpec                     string   `json:"KeySpec"`
	EncryptionAlgorithms        []string `json:"EncryptionAlgorithms"`
	MultiRegion                 bool     `json:"MultiRegion"`
	// MultiRegionConfiguration is present for multi-Region keys only.
	MultiRegionConfiguration *multiRegionConfiguration `json:"MultiRegionConfiguration,omitempty"`
}

type multiRegionKey struct {
	Arn    string `json:"Arn"`
	Region string `json:"Region"`
}

type multiRegionConfiguration struct {
	MultiRegionKeyType string           `json:"MultiRegionKeyType"`
	PrimaryKey         multiRegionKey   `json:"PrimaryKey"`
	ReplicaKeys        []multiRegionKey `json:"ReplicaKeys"`
}

// metadataOf is k's KeyMetadata; svc describes a multi-Region key's family.
func metadataOf(svc *kms.Service, k *kms.Key) keyMetadata {
	m := keyMetadata{
		AWSAccountID: string(k.Account), KeyID: k.ID, Arn: k.ARN, CreationDate: epoch(k.Created),
		Enabled: k.State == kms.StateEnabled, Description: k.Description, KeyUsage: kms.KeyUsage,
		KeyState: string(k.State), Origin: kms.Origin, KeyManager: k.Manager,
		CustomerMasterKeySpec: kms.KeySpec, KeySpec: kms.KeySpec,
		EncryptionAlgorithms: []string{kms.SymmetricDefault}, MultiRegion: k.MultiRegion,
	}
	if c := svc.MultiRegionConfiguration(k); c != nil {
		mc := &multiRegionConfiguration{MultiRegionKeyType: c.Type, PrimaryKey: multiRegionKey{c.PrimaryKey.ARN, c.PrimaryKey.Region},
			ReplicaKeys: make([]multiRegionKey, 0, len(c.ReplicaKeys))}
		for _, r := range c.ReplicaKeys {
			mc.ReplicaKeys = append(mc.ReplicaKeys, multiRegionKey{r.ARN, r.Region})
		}
		m.MultiRegionConfiguration = mc
	}
	if k.State == kms.StatePendingDeletion {
		m.DeletionDate = epochPtr(k.DeletionDate)
		m.PendingDeletionWindowInDays = k.PendingWindowDays
	}
	return m
}

type tag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

func tagsOf(tags []kms.Tag) []tag {
	out := make([]tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, tag{t.Key, t.Value})
	}
	return out
}

// page is one page of a list: items from the marker on, at most limit
// (default 100, 1 to 1000), and the marker of the next page. Markers are
// opaque to clients; Ferry's are positions in the full list.
type page struct {
	NextMarker string `json:"NextMarker,omitempty"`
	Truncated  bool   `json:"Truncated"`
}

func paginate[T any](items []T, limit *int32, marker *string) ([]T, page, error) {
	n := 100
	if limit != nil {
		if *limit < 1 || *limit > 1000 {
			return nil, page{}, aws.ErrKMSValidation("1 validation error detected: Value '" + strconv.Itoa(int(*limit)) +
				"' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		n = int(*limit)
	}
	start := 0
	if m := str(marker); m != "" {
		i, err := strconv.Atoi(m)
		if err != nil || i < 0 || i > len(items) {
			return nil, page{}, aws.New("InvalidMarkerException", 400, "Invalid marker")
		}
		start = i
	}
	end := min(start+n, len(items))
	pg := page{}
	if end < len(items) {
		pg = page{NextMarker: strconv.Itoa(end), Truncated: true}
	}
	return items[start:end], pg, nil
}
