package invokeapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// Catalog describes the configured functions, for ListFunctions,
// GetFunction and GetFunctionConfiguration; *functions.Manager implements
// it. When the Handler's Invoker does not, those operations answer
// UnknownOperationException.
type Catalog interface {
	// Names returns the function names, sorted.
	Names() []string
	// Config returns a function's configuration, defaults applied.
	Config(name string) (functions.Config, bool)
}

// functionConfiguration is Lambda's FunctionConfiguration, as GetFunction,
// GetFunctionConfiguration and ListFunctions return it
// (https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html).
// What a local gateway cannot know (a role, layers, a VPC) is left out.
type functionConfiguration struct {
	FunctionName     string            `json:"FunctionName"`
	FunctionARN      string            `json:"FunctionArn"`
	Runtime          string            `json:"Runtime,omitempty"`
	Handler          string            `json:"Handler,omitempty"`
	CodeSize         int64             `json:"CodeSize"`
	CodeSha256       string            `json:"CodeSha256,omitempty"`
	Description      string            `json:"Description"`
	Timeout          int               `json:"Timeout,omitempty"`
	MemorySize       int               `json:"MemorySize,omitempty"`
	LastModified     string            `json:"LastModified,omitempty"`
	Version          string            `json:"Version"`
	Environment      *environment      `json:"Environment,omitempty"`
	TracingConfig    map[string]string `json:"TracingConfig"`
	State            string            `json:"State"`
	LastUpdateStatus string            `json:"LastUpdateStatus"`
	PackageType      string            `json:"PackageType"`
	Architectures    []string          `json:"Architectures"`
	EphemeralStorage map[string]int    `json:"EphemeralStorage"`
	LoggingConfig    map[string]string `json:"LoggingConfig"`
}

type environment struct {
	Variables map[string]string `json:"Variables"`
}

// lastModifiedLayout is Lambda's LastModified format (ISO 8601 with
// milliseconds and a +0000 offset).
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// describe builds a function's FunctionConfiguration. A local function's
// code is its program file: CodeSize, CodeSha256 (base64 of the SHA-256,
// as Lambda reports it) and LastModified come from that file when it
// exists; its Runtime is provided.al2023 (a program speaking the Runtime
// API) and its Handler the program's name. A Node.js or Python function
// reports its runtime, handler and logging configuration, and no code size
// or hash (its code is a directory). A remote function is described
// by its name, ARN and state only.
func (h *Handler) describe(c functions.Config) functionConfiguration {
	fc := functionConfiguration{
		FunctionName:     c.Name,
		FunctionARN:      functions.FunctionARN(h.opts.Region, h.opts.AccountID, c.Name, ""),
		Version:          "$LATEST",
		TracingConfig:    map[string]string{"Mode": "PassThrough"},
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    []string{architecture()},
		EphemeralStorage: map[string]int{"Size": 512},
		LoggingConfig:    map[string]string{"LogFormat": "Text", "LogGroup": "/aws/lambda/" + c.Name},
	}
	if c.Endpoint != "" {
		return fc
	}
	fc.Runtime = "provided.al2023"
	fc.Timeout = int((c.Timeout + time.Second - 1) / time.Second)
	fc.MemorySize = c.MemorySize
	if len(c.Env) > 0 {
		fc.Environment = &environment{Variables: c.Env}
	}
	if c.Runtime != "" {
		// A Node.js or Python function: its code is a directory, not a zip
		// whose size and hash Lambda would report.
		fc.Runtime, fc.Handler = c.Runtime, c.Handler
		if c.LogFormat == "JSON" {
			level := c.LogLevel
			if level == "" {
				level = "INFO"
			}
			fc.LoggingConfig["LogFormat"], fc.LoggingConfig["ApplicationLogLevel"], fc.LoggingConfig["SystemLogLevel"] = "JSON", level, "INFO"
		}
		if st, err := os.Stat(c.Dir); err == nil {
			fc.LastModified = st.ModTime().UTC().Format(lastModifiedLayout)
		}
		return fc
	}
	prog := c.Command[0]
	fc.Handler = filepath.Base(prog)
	if !filepath.IsAbs(prog) && filepath.Base(prog) != prog {
		prog = filepath.Join(c.Dir, prog)
	}
	if f, err := os.Open(prog); err == nil {
		defer f.Close()
		sum := sha256.New()
		if n, err := io.Copy(sum, f); err == nil {
			fc.CodeSize = n
			fc.CodeSha256 = base64.StdEncoding.EncodeToString(sum.Sum(nil))
		}
		if st, err := f.Stat(); err == nil {
			fc.LastModified = st.ModTime().UTC().Format(lastModifiedLayout)
		}
	}
	return fc
}

// catalog returns the Invoker's Catalog, or an UnknownOperationException.
func (h *Handler) catalog() (Catalog, *apiError) {
	c, ok := h.inv.(Catalog)
	if !ok {
		return nil, errUnknownOperation()
	}
	return c, nil
}

// lookup resolves the FunctionName path value of GetFunction and
// GetFunctionConfiguration to a configured function.
func (h *Handler) lookup(r *http.Request) (functions.Config, *apiError) {
	c, e := h.catalog()
	if e != nil {
		return functions.Config{}, e
	}
	raw := r.PathValue("FunctionName")
	ref, ok := parseFunctionName(raw, h.opts.Region, h.opts.AccountID)
	if !ok {
		return functions.Config{}, errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", raw))
	}
	arn := functions.FunctionARN(h.opts.Region, h.opts.AccountID, ref.Name, ref.Qualifier)
	cfg, found := c.Config(ref.Name)
	if ref.Foreign || !found {
		return functions.Config{}, errNotFound(arn, nil)
	}
	return cfg, nil
}

// getFunction serves GetFunction, GET /2015-03-31/functions/{FunctionName}:
// the configuration and the function's tags (none). Code, a pre-signed
// URL of the deployment package on Lambda, is left out: a local function
// has no package.
func (h *Handler) getFunction(w http.ResponseWriter, r *http.Request) *apiError {
	cfg, e := h.lookup(r)
	if e != nil {
		return e
	}
	writeJSON(w, map[string]any{"Configuration": h.describe(cfg), "Tags": map[string]string{}})
	return nil
}

// getFunctionConfiguration serves GetFunctionConfiguration,
// GET /2015-03-31/functions/{FunctionName}/configuration.
func (h *Handler) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) *apiError {
	cfg, e := h.lookup(r)
	if e != nil {
		return e
	}
	writeJSON(w, h.describe(cfg))
	return nil
}

// listFunctions serves ListFunctions, GET /2015-03-31/functions/, paged by
// MaxItems (1..10000, default 50) and Marker (opaque to clients: the
// index of the next function in name order).
func (h *Handler) listFunctions(w http.ResponseWriter, r *http.Request) *apiError {
	c, e := h.catalog()
	if e != nil {
		return e
	}
	q := r.URL.Query()
	max := 50
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000", s))
		}
		max = n
	}
	names := c.Names()
	start := 0
	if m := q.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(names) {
			return errInvalidParameter("Invalid marker: " + m)
		}
		start = n
	}
	out := struct {
		Functions  []functionConfiguration `json:"Functions"`
		NextMarker *string                 `json:"NextMarker"`
	}{Functions: []functionConfiguration{}}
	end := min(start+max, len(names))
	for _, n := range names[start:end] {
		if cfg, ok := c.Config(n); ok {
			out.Functions = append(out.Functions, h.describe(cfg))
		}
	}
	if end < len(names) {
		next := strconv.Itoa(end)
		out.NextMarker = &next
	}
	writeJSON(w, out)
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", functions.NewRequestID())
	_, _ = w.Write(b)
}
