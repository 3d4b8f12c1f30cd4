package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
)

// BootstrapAccounts are the accounts a new data directory starts with; each
// gets an AWS CLI profile named "ferry-" + name.
var BootstrapAccounts = []struct{ Name, Region string }{
	{"a", "us-east-1"},
	{"b", "us-west-2"},
}

// AdminCredentials is the operator's key for the admin API, kept in
// <data-dir>/admin.json (mode 0600) for the ferry CLI.
type AdminCredentials struct {
	Endpoint        string `json:"endpoint"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// AdminFile is where the admin credentials live.
func AdminFile(dataDir string) string { return filepath.Join(dataDir, "admin.json") }

// ReadAdmin reads the admin credentials of a data directory.
func ReadAdmin(dataDir string) (AdminCredentials, error) {
	var c AdminCredentials
	raw, err := os.ReadFile(AdminFile(dataDir))
	if err != nil {
		return c, fmt.Errorf("read admin credentials: %w", err)
	}
	return c, json.Unmarshal(raw, &c)
}

// Bootstrap creates the first accounts and the admin key when the data
// directory is new. It returns the accounts it created (none on later starts).
func (w *World) Bootstrap() ([]iam.Account, error) {
	existing, err := w.IAM.Accounts()
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, nil
	}
	var created []iam.Account
	for _, a := range BootstrapAccounts {
		acct, _, err := w.IAM.CreateAccount(a.Name)
		if err != nil {
			return nil, fmt.Errorf("bootstrap account %s: %w", a.Name, err)
		}
		created = append(created, acct)
	}
	return created, nil
}

// WriteClientFiles records the endpoint and (re)writes <data-dir>/admin.json
// and the AWS CLI files <data-dir>/aws/config and <data-dir>/aws/credentials
// with a profile for every account, so the stock CLI and SDKs work at once.
func (w *World) WriteClientFiles(endpoint string) error {
	admin, err := w.adminKey()
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(AdminCredentials{Endpoint: endpoint, AccessKeyID: admin.ID, SecretAccessKey: admin.Secret}, "", "  ")
	if err := writeFile(AdminFile(w.Config.DataDir), append(raw, '\n')); err != nil {
		return err
	}
	accounts, err := w.IAM.Accounts()
	if err != nil {
		return err
	}
	var config, creds strings.Builder
	for _, a := range accounts {
		key, err := w.IAM.RootKey(a.ID)
		if err != nil {
			return fmt.Errorf("root key of %s: %w", a.Name, err)
		}
		profile := ProfileName(a.Name)
		fmt.Fprintf(&config, "[profile %s]\nregion = %s\nendpoint_url = %s\ns3 =\n    addressing_style = path\n    signature_version = s3v4\n\n", profile, w.profileRegion(a.Name), endpoint)
		fmt.Fprintf(&creds, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n# account %s (%s)\n\n", profile, key.ID, key.Secret, a.ID, a.Name)
	}
	dir := filepath.Join(w.Config.DataDir, "aws")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := writeFile(filepath.Join(dir, "config"), []byte(config.String())); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "credentials"), []byte(creds.String()))
}

// ProfileName is the AWS CLI profile of an account.
func ProfileName(account string) string { return "ferry-" + account }

// profileRegion is an account's profile region: its default when this
// process serves it, else the first region this process serves (a process
// serving some regions only, such as a follower of an IAM home).
func (w *World) profileRegion(account string) string {
	region := defaultRegion(account)
	for _, r := range w.Config.Regions {
		if r == region {
			return region
		}
	}
	return w.Config.Regions[0]
}

func defaultRegion(account string) string {
	for _, a := range BootstrapAccounts {
		if a.Name == account {
			return a.Region
		}
	}
	return "us-east-1"
}

// adminKey returns the operator key, creating it on first use.
func (w *World) adminKey() (iam.AccessKey, error) {
	if c, err := ReadAdmin(w.Config.DataDir); err == nil {
		if k, err := w.IAM.AccessKey(c.AccessKeyID); err == nil && k.OwnerARN == iam.AdminARN {
			return k, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return iam.AccessKey{}, err
	}
	return w.IAM.CreateAdminKey()
}

// writeFile replaces a file atomically with mode 0600.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// AccountSummary is what the admin API and CLI show of an account.
type AccountSummary struct {
	ID              aws.AccountID `json:"accountId"`
	Name            string        `json:"name"`
	Profile         string        `json:"profile"`
	AccessKeyID     string        `json:"accessKeyId,omitempty"`
	SecretAccessKey string        `json:"secretAccessKey,omitempty"`
}

// Summaries lists the accounts (without secrets), by name.
func (w *World) Summaries() ([]AccountSummary, error) {
	accounts, err := w.IAM.Accounts()
	if err != nil {
		return nil, err
	}
	out := make([]AccountSummary, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, AccountSummary{ID: a.ID, Name: a.Name, Profile: ProfileName(a.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
