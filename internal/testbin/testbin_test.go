package testbin

import (
	"os"
	"testing"
)

func TestDir(t *testing.T) {
	d, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"echo", "sleep", "apifn", "authfn", "apigw"} {
		st, err := os.Stat(Path(t, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", name)
		}
	}
	// A second call, as from another test binary, finds the same programs.
	again, err := build()
	if err != nil || again != d {
		t.Errorf("second build = %q, %v; want %q", again, err, d)
	}
}
