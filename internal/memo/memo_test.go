package memo

import (
	"sync"
	"testing"
)

func TestTable(t *testing.T) {
	tests := []struct {
		name    string
		steps   func(tb *Table[string, int])
		key     string
		want    int
		present bool
	}{
		{"put then get", func(tb *Table[string, int]) { _, g, _ := tb.Get("a"); tb.Put("a", 1, g) }, "a", 1, true},
		{"forget drops", func(tb *Table[string, int]) { _, g, _ := tb.Get("a"); tb.Put("a", 1, g); tb.Forget("a") }, "a", 0, false},
		{"stale reader does not put", func(tb *Table[string, int]) { _, g, _ := tb.Get("a"); tb.Forget("a"); tb.Put("a", 1, g) }, "a", 0, false},
		{"a change to another key also blocks stale puts", func(tb *Table[string, int]) { _, g, _ := tb.Get("a"); tb.Forget("b"); tb.Put("a", 1, g) }, "a", 0, false},
		{"clear", func(tb *Table[string, int]) { _, g, _ := tb.Get("a"); tb.Put("a", 1, g); tb.Clear() }, "a", 0, false},
		{"limit starts over", func(tb *Table[string, int]) {
			for i, k := range []string{"a", "b", "c"} {
				_, g, _ := tb.Get(k)
				tb.Put(k, i, g)
			}
		}, "c", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := New[string, int](2)
			tt.steps(tb)
			got, _, ok := tb.Get(tt.key)
			if ok != tt.present || got != tt.want {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.present)
			}
		})
	}
}

func TestTableConcurrent(t *testing.T) {
	tb := New[int, int](100)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				k := (i + w) % 10
				if _, g, ok := tb.Get(k); !ok {
					tb.Put(k, i, g)
				}
				if i%7 == 0 {
					tb.Forget(k)
				}
			}
		}()
	}
	wg.Wait()
}
