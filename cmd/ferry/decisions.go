package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/world"
)

// decisionsCmd prints the running server's latest authorization decisions
// with their explanations: the first thing to look at after an unexpected
// AccessDenied.
func decisionsCmd() *cobra.Command {
	var dataDir, endpoint string
	var all bool
	var limit int
	cmd := &cobra.Command{
		Use:   "decisions",
		Short: "Explain the server's latest authorization decisions (denials only unless --all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/_ferry/admin/decisions?denied=true"
			if all {
				path = "/_ferry/admin/decisions"
			}
			var list []world.Decision
			if err := adminCall(cmd.Context(), dataDir, endpoint, http.MethodGet, path, nil, &list); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(list) == 0 {
				fmt.Fprintln(out, "no decisions recorded")
			}
			for i, d := range list {
				if limit > 0 && i == limit {
					break
				}
				fmt.Fprintf(out, "%s  request %s\n%s", d.Time.Format("15:04:05.000"), orDash(d.RequestID), d.Explanation)
				for _, s := range d.Suggestions {
					fmt.Fprintln(out, "  "+strings.ReplaceAll(s, "\n", "\n  "))
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "the server's data directory, where admin.json is (env FERRY_DATA_DIR)")
	cmd.Flags().StringVar(&endpoint, "endpoint", os.Getenv("FERRY_ENDPOINT"), "the server's endpoint (default: the one recorded in admin.json)")
	cmd.Flags().BoolVar(&all, "all", false, "include allowed requests")
	cmd.Flags().IntVarP(&limit, "number", "n", 10, "how many decisions to show, newest first (0: all kept)")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
