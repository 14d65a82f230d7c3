package reqfacts

import (
	"reflect"
	"testing"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	got := ParseQuery("a=1&a=2&&flag&=v&sp=a+b%20c&bad=%zz&k%3D=v%26")
	want := []QueryParam{{"a", "1"}, {"a", "2"}, {"flag", ""}, {"", "v"}, {"sp", "a b c"}, {"bad", "%zz"}, {"k=", "v&"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseQuery = %q; want %q", got, want)
	}
	if ParseQuery("") != nil {
		t.Error("empty query gives parameters")
	}
}

func TestIsToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Authorization", true}, {"x-api-key", true}, {"a!#$%&'*+-.^_`|~9", true},
		{"", false}, {"a b", false}, {"a:b", false}, {"caf\xc3\xa9", false}, {"a\x00", false},
	} {
		if got := IsToken(tc.in); got != tc.want {
			t.Errorf("IsToken(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}
