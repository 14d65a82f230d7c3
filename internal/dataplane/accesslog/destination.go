package accesslog

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Destinations that are not files.
const (
	// DestinationStdout writes to the gateway's standard output.
	DestinationStdout = "stdout"
	// DestinationStderr writes to the gateway's standard error.
	DestinationStderr = "stderr"
)

// LogsDir is the directory under the data directory that holds the files
// standing for CloudWatch Logs log groups.
const LogsDir = "logs"

// destination is a resolved accessLogSettings.destinationArn.
type destination struct {
	// std is DestinationStdout or DestinationStderr, or "" for a file.
	std string
	// path is the file's absolute path.
	path string
}

// key identifies the destination: stages logging to the same place share
// one writer.
func (d destination) key() string {
	if d.std != "" {
		return d.std
	}
	return d.path
}

// resolveDestination resolves a destinationArn: "stdout", "stderr", a
// CloudWatch Logs log group ARN
// (arn:{partition}:logs:{region}:{account}:log-group:{name}[:*]), which
// stands for the file {dataDir}/logs/{name}.log, or else a file path
// (relative paths are taken from the working directory).
func resolveDestination(arn, dataDir string) (destination, error) {
	switch arn {
	case "":
		return destination{}, errors.New("resolving access log destination: destinationArn is empty")
	case DestinationStdout, DestinationStderr:
		return destination{std: arn}, nil
	}
	if !strings.HasPrefix(arn, "arn:") {
		p, err := filepath.Abs(arn)
		if err != nil {
			return destination{}, fmt.Errorf("resolving access log destination %q: %w", arn, err)
		}
		return destination{path: p}, nil
	}
	name, err := logGroupName(arn)
	if err != nil {
		return destination{}, fmt.Errorf("resolving access log destination %q: %w", arn, err)
	}
	if dataDir == "" {
		return destination{}, fmt.Errorf("resolving access log destination %q: no data directory for CloudWatch Logs log groups", arn)
	}
	root, err := filepath.Abs(filepath.Join(dataDir, LogsDir))
	if err != nil {
		return destination{}, fmt.Errorf("resolving access log destination %q: %w", arn, err)
	}
	return destination{path: filepath.Join(root, filepath.FromSlash(strings.TrimLeft(name, "/"))+".log")}, nil
}

// logGroupName returns the log group name of a CloudWatch Logs log group
// ARN. Names are 1 to 512 characters of letters, digits and "_-/.#"; a name
// whose "/"-separated parts include "." or ".." is refused, so that the file
// stays under the logs directory.
func logGroupName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[2] != "logs" || parts[5] != "log-group" {
		return "", errors.New("not a CloudWatch Logs log group ARN (arn:aws:logs:{region}:{account}:log-group:{name})")
	}
	name := strings.TrimSuffix(parts[6], ":*")
	if name == "" || len(name) > 512 {
		return "", errors.New("log group names are 1 to 512 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_-/.#", c) >= 0) {
			return "", fmt.Errorf("character %q is not allowed in a log group name", c)
		}
	}
	for _, seg := range strings.Split(strings.Trim(name, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", errors.New("log group name " + name + " has an empty, . or .. path segment")
		}
	}
	return name, nil
}
