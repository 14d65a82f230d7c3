// Package proctree reads the process tree of a function's runtime from
// /proc: its descendants, their open descriptors and their resident memory.
// The Runtime API's caller check and the memory limit of functions use it.
// Only Linux has it; elsewhere every function reports Supported false.
package proctree

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Root is where procfs is mounted.
const Root = "/proc"

// Supported reports whether this platform can read process trees.
const Supported = true

// Descendants returns the pids of every process below root, from the parent
// pid in each /proc/<pid>/stat.
func Descendants(root int) ([]int, error) {
	ents, err := os.ReadDir(Root)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	children := make(map[int][]int)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(Root + "/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		if ppid, ok := ParsePPID(b); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	seen := map[int]bool{root: true}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range children[p] {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
				queue = append(queue, k)
			}
		}
	}
	return out, nil
}

// ParsePPID returns the parent pid from the text of /proc/<pid>/stat:
// "pid (comm) state ppid ...", where comm may itself hold spaces and
// parentheses, so the fields are counted from the last ')'.
func ParsePPID(stat []byte) (int, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, false
	}
	return ppid, true
}

// HasDescriptor reports whether process pid has an open descriptor whose
// link is link ("socket:[123]").
func HasDescriptor(pid int, link string) bool {
	dir := Root + "/" + strconv.Itoa(pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && l == link {
			return true
		}
	}
	return false
}

// pageSize is the unit of /proc/<pid>/statm.
var pageSize = int64(os.Getpagesize())

// RSS returns the resident memory of process pid in bytes (the second field
// of /proc/<pid>/statm), or false if it is gone.
func RSS(pid int) (int64, bool) {
	var buf [128]byte
	f, err := os.Open(Root + "/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, false
	}
	n, _ := f.Read(buf[:])
	_ = f.Close()
	fields := bytes.Fields(buf[:n])
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * pageSize, true
}
