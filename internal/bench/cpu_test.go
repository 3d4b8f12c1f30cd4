package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProcessCPU(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		want       time.Duration
		wantErr    string
	}{
		{"counter", "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n", 200, 12500 * time.Millisecond, ""},
		{"absent", "# TYPE other counter\nother 1\n", 200, 0, "no process_cpu_seconds_total"},
		{"unavailable", "", 503, 0, "503"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/_ferry/metrics" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			got, err := ProcessCPU(srv.Client(), srv.URL+"/")(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestCPUPerOp(t *testing.T) {
	r := Result{Ops: 4, ServerCPU: time.Millisecond}
	if got := r.CPUPerOp(); got != 250*time.Microsecond {
		t.Fatalf("CPUPerOp = %v", got)
	}
	if !strings.Contains(r.String(), "server CPU 250µs/op") {
		t.Fatalf("row %q lacks the CPU column", r.String())
	}
	if strings.Contains(Result{Ops: 4}.String(), "server CPU") {
		t.Fatal("a result without a CPU reading prints a CPU column")
	}
}
