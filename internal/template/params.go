package template

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseParameterOverrides reads `--parameter-overrides` arguments with SAM
// CLI's grammar
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-deploy.html):
// tokens separated by white space, each Key=Value or
// ParameterKey=Key,ParameterValue=Value; values may be quoted with " or ',
// and \ escapes the next character; file://PATH loads a JSON, YAML or TOML
// map of values (relative paths inside it resolve against that file). Later
// tokens win.
func ParseParameterOverrides(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		if err := parseOverrides(a, ".", out, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parseOverrides(s, dir string, out map[string]string, depth int) error {
	toks, err := tokens(s)
	if err != nil {
		return err
	}
	for _, t := range toks {
		switch {
		case strings.HasPrefix(t, "file://"):
			if depth > 8 {
				return fmt.Errorf("parameter override files nest deeper than 8 levels")
			}
			p := strings.TrimPrefix(t, "file://")
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if err := overridesFile(p, out, depth+1); err != nil {
				return err
			}
		case strings.HasPrefix(t, "ParameterKey="):
			rest := strings.TrimPrefix(t, "ParameterKey=")
			k, v, ok := strings.Cut(rest, ",ParameterValue=")
			if !ok || k == "" {
				return fmt.Errorf("parameter override %q: want ParameterKey=KEY,ParameterValue=VALUE", t)
			}
			out[k] = v
		default:
			k, v, ok := strings.Cut(t, "=")
			if !ok || k == "" {
				return fmt.Errorf("parameter override %q: want KEY=VALUE", t)
			}
			out[k] = v
		}
	}
	return nil
}

// tokens splits s on unquoted white space, removing quotes and escapes.
func tokens(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in := false
	var quote rune
	started := false
	esc := false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc = true
			started = true
		case in && r == quote:
			in = false
		case in:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			in, quote, started = true, r, true
		case r == ' ' || r == '\t' || r == '\n':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if in {
		return nil, fmt.Errorf("parameter overrides %q: unterminated quote", s)
	}
	if esc {
		cur.WriteByte('\\')
	}
	if started {
		out = append(out, cur.String())
	}
	return out, nil
}

// overridesFile loads a file:// map of parameter values.
func overridesFile(path string, out map[string]string, depth int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("parameter overrides file: %w", err)
	}
	dir := filepath.Dir(path)
	if strings.HasSuffix(path, ".toml") {
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return fmt.Errorf("%s:%d: want key = value", path, i+1)
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if uq, err := strconv.Unquote(v); err == nil {
				v = uq
			} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
				v = v[1 : len(v)-1]
			}
			out[strings.Trim(k, `"`)] = v
		}
		return nil
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("parameter overrides file %s: %w", path, err)
	}
	for k, v := range m {
		s := fmt.Sprint(v)
		if v == nil {
			s = ""
		}
		if strings.HasPrefix(s, "file://") {
			if err := parseOverrides(s, dir, out, depth); err != nil {
				return err
			}
			continue
		}
		out[k] = s
	}
	return nil
}
