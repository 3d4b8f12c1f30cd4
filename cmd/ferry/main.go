// Command ferry runs and operates a Ferry server: an S3-compatible object
// store with AWS's multi-account, multi-region security model.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		if !errors.Is(err, errFindings) { // a diagnosis has printed its findings
			fmt.Fprintln(os.Stderr, "ferry:", err)
		}
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Ferry: an S3 object store with AWS's accounts, regions, IAM and replication",
		Long: `Ferry is an S3-compatible object store that hosts several AWS accounts and
regions in one process, authenticates every request with SigV4 and keeps
your data durably on disk.

Start a server on its embedded defaults with "ferry serve", then use the
stock AWS CLI with the profiles it writes.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), accountCmd(), batchCmd(), benchCmd(), decisionsCmd(), demoCmd(), doctorCmd(), explainCmd(), eventsCmd(), replicationCmd())
	return root
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envInt returns the environment variable as an integer, or def when it is
// unset or not a number.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
