package routekey

import (
	"fmt"
	"runtime"
	"testing"
)

// benchTable builds n routes shaped like a real API: resource collections with
// item, sub-resource and greedy routes.
func benchTable(b *testing.B, n int) *Table {
	b.Helper()
	keys := benchKeys(b, n)
	t, err := Build(keys)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// benchKeys returns the n route keys of benchTable.
func benchKeys(b *testing.B, n int) []*Key {
	b.Helper()
	keys := make([]*Key, 0, n)
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	for i := 0; len(keys) < n; i++ {
		for _, raw := range []string{
			fmt.Sprintf("%s /svc%d/items", methods[i%4], i),
			fmt.Sprintf("%s /svc%d/items/{id}", methods[i%4], i),
			fmt.Sprintf("%s /svc%d/items/{id}/tags/{tag}", methods[i%4], i),
			fmt.Sprintf("ANY /svc%d/files/{proxy+}", i),
		} {
			k, err := Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			keys = append(keys, k)
		}
	}
	return keys[:n]
}

// BenchmarkSelect measures route selection for tables of 10 to 10,000 routes;
// the cost must not grow with the number of routes. It also reports the live
// heap each route adds to the table (the parsed keys are not counted).
func BenchmarkSelect(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			t := benchTable(b, n)
			methods := []string{"GET", "POST", "PUT", "DELETE"}
			last := n/4 - 1
			segsExact := []string{fmt.Sprintf("svc%d", last), "items", "42", "tags", "red"}
			segsGreedy := []string{fmt.Sprintf("svc%d", last), "files", "a", "b", "c.txt"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := t.Select(methods[last%4], segsExact); !ok {
					b.Fatal("no match")
				}
				if _, ok := t.Select("GET", segsGreedy); !ok {
					b.Fatal("no match")
				}
			}
			b.StopTimer()
			keys := benchKeys(b, n)
			b.ReportMetric(liveBytes(func() any {
				t, _ := Build(keys)
				return t
			})/float64(n), "live-B/route")
		})
	}
}

// liveBytes returns the heap that a value built by build keeps alive: the
// average over a few builds, all kept until measured.
func liveBytes(build func() any) float64 {
	const copies = 8
	var before, after runtime.MemStats
	kept := make([]any, copies)
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range kept {
		kept[i] = build()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / copies
}
