package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apigwdev/apigw/internal/cluster"
)

// clusterCommand is `apigw cluster status`: a node's GET /_cluster as a
// table.
func clusterCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "status" {
		fmt.Fprintln(stderr, "usage: apigw cluster status [--admin URL]")
		return 2
	}
	fs := newFlagSet("cluster status", "[--admin URL]", "Prints a cluster node's view of the cluster (its GET /_cluster): the revision it serves,\nwhere from, Redis, the members and the APIs it cannot serve.", stderr)
	admin := fs.String("admin", "http://127.0.0.1:3300", "the node's admin listener")
	if code, done := parseFlags(fs, args[1:]); done {
		return code
	}
	c := &http.Client{Timeout: 10 * time.Second}
	u := strings.TrimSuffix(*admin, "/") + "/_cluster"
	resp, err := c.Get(u)
	if err != nil {
		fmt.Fprintf(stderr, "apigw: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		fmt.Fprintf(stderr, "apigw: %s: the gateway does not run in cluster mode (no cluster.etcd)\n", u)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "apigw: %s: %s\n", u, resp.Status)
		return 1
	}
	var st cluster.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		fmt.Fprintf(stderr, "apigw: %s: %v\n", u, err)
		return 1
	}
	printStatus(stdout, &st)
	return 0
}

func printStatus(w io.Writer, st *cluster.Status) {
	redis := "not configured (limits divided between the nodes)"
	switch {
	case st.Redis.Fallback:
		redis = "unreachable: limits divided between the nodes until it answers"
	case st.Redis.Configured && st.Redis.Reachable:
		redis = "reachable"
	}
	fmt.Fprintf(w, "node      %s\nrevision  %d of %d (from %s)\nredis     %s\n\n", st.Node, st.Revision, st.LatestRevision, st.Source, redis)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MEMBER\tREVISION\tDATA\tADMIN\tLAST SEEN")
	for _, m := range st.Members {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", m.Node, m.Revision, m.DataURL, m.AdminURL, m.LastSeen.Format(time.RFC3339))
	}
	_ = tw.Flush()
	if len(st.Errors) > 0 {
		fmt.Fprintln(w, "\nAPIs this node cannot serve (it serves their previous form):")
		for _, e := range st.Errors {
			fmt.Fprintf(w, "  %s: %s\n", e.APIID, e.Message)
		}
	}
}
