package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/world"
)

// LoadProfiles reads the root keys of profiles ferry-a and ferry-b from
// <dataDir>/aws/credentials, the file a Ferry server writes.
func LoadProfiles(dataDir string) (a, b Credentials, err error) {
	path := filepath.Join(dataDir, "aws", "credentials")
	f, err := os.Open(path)
	if err != nil {
		return a, b, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	profiles := map[string]*Credentials{}
	var cur *Credentials
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			cur = &Credentials{}
			profiles[strings.TrimSpace(line[1:len(line)-1])] = cur
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || cur == nil {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			cur.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			cur.SecretAccessKey = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return a, b, fmt.Errorf("read %s: %w", path, err)
	}
	pa, pb := profiles[world.ProfileName("a")], profiles[world.ProfileName("b")]
	if pa == nil || pb == nil || pa.AccessKeyID == "" || pb.AccessKeyID == "" {
		return a, b, fmt.Errorf("%s lacks profiles ferry-a and ferry-b", path)
	}
	return *pa, *pb, nil
}

// Reachable reports whether a Ferry server answers /_ferry/health at endpoint.
func Reachable(ctx context.Context, client *http.Client, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/_ferry/health", nil)
	if err != nil {
		return false
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Server is a Ferry server the demo runs in-process on a data directory.
type Server struct {
	World    *world.World
	Endpoint string
	DataDir  string
	srv      *http.Server
	done     chan error
}

// StartServer opens and bootstraps a world on dataDir (a fresh directory),
// serves it on a free loopback port and writes its client files, so that
// LoadProfiles(dataDir) works. The replication engine polls every
// pollEvery (its default when zero).
func StartServer(dataDir string, pollEvery time.Duration) (*Server, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := world.Open(world.Config{DataDir: dataDir, Logger: log,
		Replication: world.ReplicationConfig{PollInterval: pollEvery, Backoff: pollEvery, MaxBackoff: 4 * pollEvery}})
	if err != nil {
		return nil, fmt.Errorf("open in-process server: %w", err)
	}
	if _, err := w.Bootstrap(); err != nil {
		w.Close()
		return nil, fmt.Errorf("bootstrap accounts: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{World: w, Endpoint: "http://" + ln.Addr().String(), DataDir: dataDir, done: make(chan error, 1),
		srv: &http.Server{Handler: w.HTTP, ReadHeaderTimeout: 10 * time.Second}}
	if err := w.WriteClientFiles(s.Endpoint); err != nil {
		ln.Close()
		w.Close()
		return nil, err
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving and closes the world.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, s.World.Close())
}
