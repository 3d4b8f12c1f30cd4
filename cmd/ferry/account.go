package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/ferryapi"
	"github.com/ferrystore/ferry/internal/world"
)

func accountCmd() *cobra.Command {
	var dataDir, endpoint string
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage the accounts of a running Ferry server",
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "the server's data directory, where admin.json is (env FERRY_DATA_DIR)")
	cmd.PersistentFlags().StringVar(&endpoint, "endpoint", os.Getenv("FERRY_ENDPOINT"), "the server's endpoint (default: the one recorded in admin.json)")
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an account with a root access key and an AWS CLI profile ferry-NAME",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var acct world.AccountSummary
			body, _ := json.Marshal(map[string]string{"name": args[0]})
			if err := adminCall(cmd.Context(), dataDir, endpoint, http.MethodPost, "/_ferry/admin/accounts", body, &acct); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Created account %s (%s)\n", acct.Name, acct.ID)
			fmt.Fprintf(out, "  aws_access_key_id     = %s\n  aws_secret_access_key = %s\n", acct.AccessKeyID, acct.SecretAccessKey)
			fmt.Fprintf(out, "  AWS CLI profile %s added to %s/aws/\n", acct.Profile, dataDir)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var accts []world.AccountSummary
			if err := adminCall(cmd.Context(), dataDir, endpoint, http.MethodGet, "/_ferry/admin/accounts", nil, &accts); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tACCOUNT ID\tPROFILE")
			for _, a := range accts {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, a.ID, a.Profile)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

// adminCall sends a SigV4-signed request to the admin API with the
// operator's key from <data-dir>/admin.json.
func adminCall(ctx context.Context, dataDir, endpoint, method, path string, body []byte, out any) error {
	c, err := operatorClient(dataDir, endpoint)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return messageOnly(c.JSON(ctx, method, path, nil, body, out))
}

// messageOnly words a server's refusal (a *ferryapi.Error) as its message
// alone, as the commands print it; other errors are returned as they are.
func messageOnly(err error) error {
	var e *ferryapi.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}

// operatorClient calls the server of a data directory with the operator's
// key from its admin.json (endpoint, when set, overrides the recorded one).
func operatorClient(dataDir, endpoint string) (*ferryapi.Client, error) {
	admin, err := world.ReadAdmin(dataDir)
	if err != nil {
		return nil, fmt.Errorf("%w (is --data-dir the server's data directory?)", err)
	}
	if endpoint == "" {
		endpoint = admin.Endpoint
	}
	return &ferryapi.Client{Endpoint: endpoint,
		Credentials: aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.SecretAccessKey}}, nil
}
