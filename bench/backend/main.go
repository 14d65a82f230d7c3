// Command backend is the benchmark's upstream: a minimal HTTP server on
// loopback answering every request with the same 37-byte JSON body, so that
// what bench/run.sh measures is the proxy in front of it.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
)

var body = []byte(`{"ok":true,"message":"hello, bench!"}`)

func main() {
	addr := flag.String("listen", "127.0.0.1:18080", "address to listen on (loopback)")
	flag.Parse()
	n := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"] = []string{"application/json"}
		hd["Content-Length"] = []string{n}
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
