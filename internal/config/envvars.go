package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
)

// ApplyEnvVars lays a file in SAM CLI's --env-vars JSON shape over the
// environment of the config file's local functions:
//
//	{"Parameters": {"STAGE": "dev"}, "pets": {"TABLE": "pets-local"}}
//
// "Parameters" applies to every local function, an object named after a
// function to that function, after "Parameters"; values must be strings
// (numbers and booleans are taken as their JSON text, as sam does). Unlike
// a template's functions, whose variables must be declared in the template
// for the file to set them (sam local's rule, applied by package
// template), a config function takes every variable the file gives it:
// the config file has no declarations. Objects naming no function of the
// file are left to the templates. path "" does nothing.
func (c *Config) ApplyEnvVars(path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--env-vars: %w", err)
	}
	var file map[string]map[string]any
	if err := json.Unmarshal(data, &file); err != nil {
		return fmt.Errorf("--env-vars %s: must be a JSON object of objects ({\"Parameters\": {...}, \"FunctionName\": {...}}): %w", path, err)
	}
	for name, f := range c.Functions {
		if f.Endpoint != "" {
			continue
		}
		env := maps.Clone(f.Env)
		if env == nil {
			env = map[string]string{}
		}
		for _, src := range []map[string]any{file["Parameters"], file[name]} {
			for k, v := range src {
				s, err := envValue(v)
				if err != nil {
					return fmt.Errorf("--env-vars %s: %s.%s: %w", path, name, k, err)
				}
				env[k] = s
			}
		}
		f.Env = env
		c.Functions[name] = f
	}
	return nil
}

// envValue is a JSON value as an environment variable's value.
func envValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		b, _ := json.Marshal(x)
		return string(b), nil
	}
	return "", fmt.Errorf("value %v is not a string, number or boolean", v)
}
