package bench

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// NullServer is the baseline Ferry's figures are quoted against: an HTTP
// server in this process that answers the benchmark's requests with no
// authentication and no storage. PUT reads and discards the body; GET sends
// as many bytes as the object size in the key's path. What it measures is
// the client, net/http and loopback on this machine; Ferry's figure divided
// by it is the share of that ceiling Ferry reaches.
type NullServer struct {
	URL string
	srv *http.Server
	ln  net.Listener

	mu     sync.Mutex
	bodies map[int64][]byte
}

// StartNullServer listens on a free loopback port.
func StartNullServer() (*NullServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n := &NullServer{URL: "http://" + ln.Addr().String(), ln: ln, bodies: map[int64][]byte{}}
	n.srv = &http.Server{Handler: n, ReadHeaderTimeout: 10 * time.Second}
	go n.srv.Serve(ln)
	return n, nil
}

// Close stops the server.
func (n *NullServer) Close() error { return n.srv.Close() }

// ServeHTTP implements http.Handler.
func (n *NullServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("ETag", `"00000000000000000000000000000000"`)
	case http.MethodGet:
		size, err := keySize(r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body := n.body(size)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (n *NullServer) body(size int64) []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, ok := n.bodies[size]
	if !ok {
		b = make([]byte, size)
		n.bodies[size] = b
	}
	return b
}

// keySize reads the size from a benchmark key: /bucket/4KiB/w000/00000001.
func keySize(path string) (int64, error) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) < 2 {
		return 0, errors.New("not a benchmark key")
	}
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if s, ok := strings.CutSuffix(parts[1], u.suffix); ok {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, err
			}
			return v * u.mult, nil
		}
	}
	return 0, errors.New("no size in key")
}
