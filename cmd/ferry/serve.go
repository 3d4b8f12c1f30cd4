package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/world"
)

// DefaultListen is where ferry serve listens unless told otherwise.
const DefaultListen = "127.0.0.1:9780"

type serveOptions struct {
	dataDir  string
	listen   string
	regions  []string
	domains  []string
	logLevel string
	tlsCert  string
	tlsKey   string
	debug    string
	rootKey  string
	workers  int
	// maxBackoff caps the delay between a replication's retries.
	maxBackoff time.Duration
	// iamHome and iamHomeAdmin make this process a follower of an IAM home.
	iamHome      string
	iamHomeAdmin string
	peers        []string
}

func serveCmd() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Ferry server",
		Long: `Run the Ferry server on one address and one data directory.

On first start with an empty data directory Ferry creates two accounts (a and
b) with root access keys and writes AWS CLI files under <data-dir>/aws, so
that this works at once:

  export AWS_CONFIG_FILE=<data-dir>/aws/config AWS_SHARED_CREDENTIALS_FILE=<data-dir>/aws/credentials
  aws --profile ferry-a s3api list-buckets`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serve(cmd.Context(), o, cmd.OutOrStdout()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "data directory (env FERRY_DATA_DIR)")
	f.StringVar(&o.listen, "listen", envOr("FERRY_LISTEN", DefaultListen), "listen address (env FERRY_LISTEN)")
	f.StringSliceVar(&o.regions, "regions", strings.Split(envOr("FERRY_REGIONS", strings.Join(aws.DefaultRegions, ",")), ","), "regions to serve (env FERRY_REGIONS)")
	f.StringSliceVar(&o.domains, "domain", []string{"localhost"}, "base domains for virtual-hosted-style bucket addressing")
	f.StringVar(&o.logLevel, "log-level", envOr("FERRY_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.StringVar(&o.tlsKey, "tls-key", "", "private key for --tls-cert (PEM)")
	f.StringVar(&o.debug, "debug-listen", envOr("FERRY_DEBUG_LISTEN", ""), "serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (off by default; env FERRY_DEBUG_LISTEN)")
	f.IntVar(&o.workers, "replication-workers", envInt("FERRY_REPLICATION_WORKERS", 0), "concurrent replications (default 16; env FERRY_REPLICATION_WORKERS)")
	f.DurationVar(&o.maxBackoff, "replication-max-backoff", envDuration("FERRY_REPLICATION_MAX_BACKOFF", 0), "longest delay between retries of a replication that met a transient fault (default 5m; env FERRY_REPLICATION_MAX_BACKOFF)")
	f.StringVar(&o.iamHome, "iam-home", envOr("FERRY_IAM_HOME", ""), "run as a follower: the endpoint of the Ferry process holding IAM and STS (default: the endpoint in --iam-home-admin; env FERRY_IAM_HOME)")
	f.StringVar(&o.iamHomeAdmin, "iam-home-admin", envOr("FERRY_IAM_HOME_ADMIN", ""), "the IAM home's admin.json, whose key signs every call to the home (env FERRY_IAM_HOME_ADMIN)")
	f.StringSliceVar(&o.peers, "peer", splitList(envOr("FERRY_PEERS", "")), "REGION=URL of a region served by another Ferry process, for replication (repeatable; env FERRY_PEERS, comma-separated)")
	f.StringVar(&o.rootKey, "root-key-file", "", "root key file (base64, mode 0600); default: env FERRY_ROOT_KEY, else <data-dir>/root.key, created on first start")
	return cmd
}

func newLogger(level string, out io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad --log-level %q", level)
	}
	return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: l})), nil
}

func serve(ctx context.Context, o serveOptions, out io.Writer) error {
	log, err := newLogger(o.logLevel, os.Stderr)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	setGCPercent()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	rootKey := keyring.OptionsFromEnv(o.dataDir)
	if o.rootKey != "" {
		rootKey = keyring.Options{Path: o.rootKey}
	}
	home, err := iamHome(o)
	if err != nil {
		return err
	}
	peers, err := parsePeers(o.peers)
	if err != nil {
		return err
	}
	w, err := world.Open(world.Config{DataDir: o.dataDir, Regions: o.regions, Domains: o.domains, Logger: log, RootKey: rootKey,
		Replication: world.ReplicationConfig{Workers: o.workers, MaxBackoff: o.maxBackoff}, IAMHome: home, Peers: peers})
	if err != nil {
		return err
	}
	defer w.Close()
	var created []iam.Account
	if home == nil { // a follower shares the home's accounts
		if created, err = w.Bootstrap(); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	endpoint := scheme + "://" + ln.Addr().String()
	if err := w.WriteClientFiles(endpoint); err != nil {
		ln.Close()
		return err
	}
	printWelcome(out, o, w, endpoint, created)
	if o.debug != "" {
		if err := serveDebug(o.debug, log); err != nil {
			ln.Close()
			return err
		}
	}

	srv := &http.Server{
		Handler:           w.HTTP,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			errc <- srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("ferry serving", "endpoint", endpoint, "data_dir", o.dataDir, "regions", o.regions)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func printWelcome(out io.Writer, o serveOptions, w *world.World, endpoint string, created []iam.Account) {
	abs, _ := filepath.Abs(o.dataDir)
	fmt.Fprintf(out, "Ferry is listening on %s\n", endpoint)
	fmt.Fprintf(out, "Data directory: %s\n", abs)
	fmt.Fprintf(out, "Regions: %s\n", strings.Join(o.regions, ", "))
	if h := w.Config.IAMHome; h != nil {
		fmt.Fprintf(out, "IAM and STS: shared with the IAM home at %s\n", h.Endpoint)
	}
	for region, endpoint := range w.Config.Peers {
		fmt.Fprintf(out, "Peer: %s at %s\n", region, endpoint)
	}
	if len(created) > 0 {
		fmt.Fprintln(out, "Created accounts:")
		for _, a := range created {
			fmt.Fprintf(out, "  %-4s %s  (profile %s)\n", a.Name, a.ID, world.ProfileName(a.Name))
		}
	} else if list, err := w.Summaries(); err == nil {
		fmt.Fprintln(out, "Accounts:")
		for _, a := range list {
			fmt.Fprintf(out, "  %-4s %s  (profile %s)\n", a.Name, a.ID, a.Profile)
		}
	}
	fmt.Fprintf(out, `
Use it with the AWS CLI:
  export AWS_CONFIG_FILE=%[1]s/aws/config AWS_SHARED_CREDENTIALS_FILE=%[1]s/aws/credentials
  aws --profile ferry-a s3api list-buckets

`, abs)
}

// iamHome reads the follower options: nil for an IAM home.
func iamHome(o serveOptions) (*world.IAMHome, error) {
	if o.iamHome == "" && o.iamHomeAdmin == "" {
		return nil, nil
	}
	if o.iamHomeAdmin == "" {
		return nil, errors.New("--iam-home needs --iam-home-admin, the home's admin.json")
	}
	raw, err := os.ReadFile(o.iamHomeAdmin)
	if err != nil {
		return nil, fmt.Errorf("read the IAM home's admin credentials: %w", err)
	}
	var c world.AdminCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", o.iamHomeAdmin, err)
	}
	endpoint := o.iamHome
	if endpoint == "" {
		endpoint = c.Endpoint
	}
	if endpoint == "" || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return nil, fmt.Errorf("%s names no endpoint or key, and --iam-home is not set", o.iamHomeAdmin)
	}
	return &world.IAMHome{Endpoint: endpoint, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
}

// parsePeers reads REGION=URL pairs.
func parsePeers(list []string) (map[string]string, error) {
	peers := map[string]string{}
	for _, p := range list {
		region, endpoint, ok := strings.Cut(p, "=")
		if !ok || region == "" || !strings.HasPrefix(endpoint, "http") {
			return nil, fmt.Errorf("bad --peer %q: want REGION=http(s)://HOST:PORT", p)
		}
		peers[region] = strings.TrimRight(endpoint, "/")
	}
	return peers, nil
}

// splitList splits a comma-separated environment value ("" is none).
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// envDuration reads a duration from the environment (def when unset or bad).
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// serverGCPercent is the garbage collector's target for a server: a heap
// may grow to three times what is live before a collection, instead of
// Go's two. Ferry's live heap is small (tens of MiB; caches are bounded and
// Pebble's cache lives outside it), and collecting half as often gave a
// busy server 5–15% more 4 KiB GETs per second on a 2-core machine.
const serverGCPercent = 200

// setGCPercent applies serverGCPercent unless GOGC is set.
func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}
