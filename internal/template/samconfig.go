package template

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// samconfigSections are the sections of config-env "default" SAM CLI reads
// for `sam local start-api`, in order (later wins)
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html).
var samconfigSections = []string{"default.global.parameters", "default.deploy.parameters", "default.local_start_api.parameters"}

// samconfig reads samconfig.toml, .yaml or .yml next to a template and
// returns its stack name and parameter overrides; other keys are infos.
func (l *loader) samconfig(dir string) (stackName string, overrides map[string]string) {
	for _, name := range []string{"samconfig.toml", "samconfig.yaml", "samconfig.yml"} {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		display := displayPath(path)
		var sections map[string]map[string]any
		if strings.HasSuffix(name, ".toml") {
			sections, err = parseTOML(string(data))
		} else {
			sections, err = samconfigYAML(data)
		}
		if err != nil {
			l.ds.add(display, nil, Error, "", "%v", err)
			return "", nil
		}
		overrides = map[string]string{}
		for _, sec := range samconfigSections {
			for k, v := range sections[sec] {
				switch k {
				case "stack_name":
					stackName = fmt.Sprint(v)
				case "parameter_overrides":
					var args []string
					switch x := v.(type) {
					case []any:
						for _, e := range x {
							args = append(args, fmt.Sprint(e))
						}
					default:
						args = []string{fmt.Sprint(x)}
					}
					m, err := ParseParameterOverrides(args)
					if err != nil {
						l.ds.add(display, nil, Error, sec+".parameter_overrides", "%v", err)
						continue
					}
					for pk, pv := range m {
						overrides[pk] = pv
					}
				default:
					l.ds.add(display, nil, Info, sec+"."+k, "not used by apigw")
				}
			}
		}
		l.ds.add(display, nil, Info, "", "samconfig read (stack name, parameter overrides)")
		return stackName, overrides
	}
	return "", nil
}

// samconfigYAML reads the YAML form into the TOML form's sections.
func samconfigYAML(data []byte) (map[string]map[string]any, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("samconfig: %w", err)
	}
	out := map[string]map[string]any{}
	for env, cmds := range doc {
		cm, ok := cmds.(map[string]any)
		if !ok {
			continue
		}
		for cmd, v := range cm {
			pm, _ := v.(map[string]any)
			if p, ok := pm["parameters"].(map[string]any); ok {
				out[env+"."+cmd+".parameters"] = p
			}
		}
	}
	return out, nil
}

// parseTOML reads the subset of TOML samconfig files use: [section.name]
// headers and key = value lines with strings, numbers, booleans and
// arrays of strings.
func parseTOML(s string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	sec := ""
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			sec = strings.TrimSpace(strings.Trim(line, "[]"))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("samconfig.toml:%d: want key = value", i+1)
		}
		k, v = strings.Trim(strings.TrimSpace(k), `"`), strings.TrimSpace(v)
		val, err := tomlValue(v)
		if err != nil {
			return nil, fmt.Errorf("samconfig.toml:%d: %w", i+1, err)
		}
		if out[sec] == nil {
			out[sec] = map[string]any{}
		}
		out[sec][k] = val
	}
	return out, nil
}

func tomlValue(v string) (any, error) {
	switch {
	case strings.HasPrefix(v, "["):
		inner := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
		var list []any
		for _, e := range splitTOMLList(inner) {
			x, err := tomlValue(strings.TrimSpace(e))
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		return list, nil
	case strings.HasPrefix(v, `"`):
		return strconv.Unquote(v)
	case strings.HasPrefix(v, "'"):
		return strings.Trim(v, "'"), nil
	case v == "true" || v == "false":
		return v == "true", nil
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v, nil
	}
	return nil, fmt.Errorf("unsupported value %s", v)
}

// splitTOMLList splits array members on commas outside quotes.
func splitTOMLList(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	esc := false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\' && quote == '"':
			esc = true
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		case quote == 0 && r == ',':
			if t := strings.TrimSpace(cur.String()); t != "" {
				out = append(out, t)
			}
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}
