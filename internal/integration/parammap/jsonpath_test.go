package parammap

import (
	"strings"
	"testing"
)

func TestParseJSONPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path     string
		steps    int
		definite bool
		wantErr  string
	}{
		{path: "a", steps: 1, definite: true},
		{path: "a.b.c", steps: 3, definite: true},
		{path: "a[0]", steps: 2, definite: true},
		{path: "a[-1]", steps: 2, definite: true},
		{path: "[0]", steps: 1, definite: true},
		{path: "a['b c']", steps: 2, definite: true},
		{path: `a["b.c"]`, steps: 2, definite: true},
		{path: `a['it\'s']`, steps: 2, definite: true},
		{path: "a[ 1 ]", steps: 2, definite: true},
		{path: "a b", steps: 1, definite: true},
		{path: "*", steps: 1},
		{path: "a.*", steps: 2},
		{path: "a[*]", steps: 2},
		{path: "a[1:3]", steps: 2},
		{path: "a[:2]", steps: 2},
		{path: "a[-2:]", steps: 2},
		{path: "a[0,2]", steps: 2},
		{path: "a['x','y']", steps: 2},

		{path: "", wantErr: "empty path"},
		{path: ".a", wantErr: "empty member name"},
		{path: "a..b", wantErr: "recursive descent"},
		{path: "a.", wantErr: "empty member name"},
		{path: "a[", wantErr: "unterminated ["},
		{path: "a[0", wantErr: "unterminated ["},
		{path: "a['x]", wantErr: "unterminated quoted"},
		{path: "a[?(@.x)]", wantErr: "unsupported selector"},
		{path: "a[(@.length-1)]", wantErr: "unsupported selector"},
		{path: "a[x]", wantErr: "unsupported selector"},
		{path: "a[]", wantErr: "empty index"},
		{path: "a[0:1:2]", wantErr: "slice steps"},
		{path: "a[0]b", wantErr: "expected . or ["},
		{path: "a]", wantErr: "unexpected ]"},
		{path: "a['x' 'y']", wantErr: "expected , or ]"},
		{path: "a[9999999999]", wantErr: "unsupported selector"},
		{path: strings.Repeat("a.", 300) + "a", wantErr: "too many steps"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			jp, err := parseJSONPath(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseJSONPath(%q) = %v; want error containing %q", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseJSONPath(%q): %v", tt.path, err)
			}
			if len(jp.steps) != tt.steps || jp.definite != tt.definite {
				t.Errorf("steps, definite = %d, %v; want %d, %v", len(jp.steps), jp.definite, tt.steps, tt.definite)
			}
		})
	}
}

func TestJSONPathRender(t *testing.T) {
	t.Parallel()
	doc := `{
		"name": "Rex", "age": 3, "weight": 12.50, "good": true, "none": null,
		"tags": ["a", "b", "c", "d"],
		"owner": {"first": "Ann", "last": "Lee", "addr": {"city": "Oslo"}},
		"items": [{"id": 1, "v": "x"}, {"id": 2}, {"id": 3, "v": "z"}],
		"b c": "spaced", "a.b": "dotted", "dup": 1, "dup": 2,
		"esc": "line\nbreak \"q\""
	}`
	tests := []struct {
		path   string
		want   string
		absent bool
	}{
		{path: "name", want: "Rex"},
		{path: "age", want: "3"},
		{path: "weight", want: "12.50"},
		{path: "good", want: "true"},
		{path: "none", absent: true},
		{path: "missing", absent: true},
		{path: "tags", want: `["a","b","c","d"]`},
		{path: "tags[0]", want: "a"},
		{path: "tags[-1]", want: "d"},
		{path: "tags[4]", absent: true},
		{path: "tags[-5]", absent: true},
		{path: "tags[1:3]", want: `["b","c"]`},
		{path: "tags[:2]", want: `["a","b"]`},
		{path: "tags[-2:]", want: `["c","d"]`},
		{path: "tags[3:1]", absent: true},
		{path: "tags[0,2]", want: `["a","c"]`},
		{path: "tags[*]", want: `["a","b","c","d"]`},
		{path: "owner", want: `{"first":"Ann","last":"Lee","addr":{"city":"Oslo"}}`},
		{path: "owner.addr.city", want: "Oslo"},
		{path: "owner.*", want: `["Ann","Lee",{"city":"Oslo"}]`},
		{path: "owner['first','last']", want: `["Ann","Lee"]`},
		{path: "items[*].id", want: "[1,2,3]"},
		{path: "items[*].v", want: `["x","z"]`},
		{path: "items[1].v", absent: true},
		{path: "['b c']", want: "spaced"},
		{path: "['a.b']", want: "dotted"},
		{path: "a.b", absent: true},
		{path: "dup", want: "2"},
		{path: "esc", want: "line\nbreak \"q\""},
		{path: "name.first", absent: true},
		{path: "name[0]", absent: true},
		{path: "tags.x", absent: true},
		{path: "*.city", absent: true},
		{path: "*.*.city", want: `["Oslo"]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			jp, err := parseJSONPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := jp.render([]byte(doc))
			if ok == tt.absent || got != tt.want {
				t.Errorf("render(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, !tt.absent)
			}
		})
	}
}

func TestJSONPathTopLevelArray(t *testing.T) {
	t.Parallel()
	jp, err := parseJSONPath("[1].x")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := jp.render([]byte(`[{"x":1},{"x":"two"}]`)); !ok || got != "two" {
		t.Errorf("render = %q, %v; want two", got, ok)
	}
}
