//go:build linux

package rapi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/apigwdev/apigw/internal/functions/proctree"
)

// procRoot is where procfs is mounted.
const procRoot = proctree.Root

// procCheckAvailable reports whether this host can tell which process owns
// a loopback socket: /proc/net/tcp and the process's own descriptors must be
// readable.
func procCheckAvailable() bool {
	f, err := os.Open(procRoot + "/net/tcp")
	if err != nil {
		return false
	}
	_ = f.Close()
	_, err = os.ReadDir(procRoot + "/self/fd")
	return err == nil
}

// connFromTree reports whether the client end of the loopback connection c
// (accepted by us) is an open descriptor of process root or of one of its
// descendants.
func connFromTree(c net.Conn, root int) (bool, error) {
	local, ok1 := c.LocalAddr().(*net.TCPAddr)
	remote, ok2 := c.RemoteAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("not a TCP connection: %s", c.RemoteAddr())
	}
	// The client's socket is the one whose local end is our remote end.
	ino, err := socketInode(remote, local)
	if err != nil {
		return false, err
	}
	link := "socket:[" + ino + "]"
	if proctree.HasDescriptor(root, link) {
		return true, nil
	}
	kids, err := proctree.Descendants(root)
	if err != nil {
		return false, err
	}
	for _, pid := range kids {
		if proctree.HasDescriptor(pid, link) {
			return true, nil
		}
	}
	return false, nil
}

// errNoSocket is returned when the client's socket is not in the kernel's
// tables (it closed already).
var errNoSocket = errors.New("client socket not found")

// socketInode returns the inode of the TCP socket whose local address is
// local and whose remote address is remote, from /proc/net/tcp, then
// /proc/net/tcp6 (a dual-stack client socket reaching 127.0.0.1).
func socketInode(local, remote *net.TCPAddr) (string, error) {
	for _, table := range []string{"tcp", "tcp6"} {
		wantLocal, ok1 := procAddr(local, table == "tcp6")
		wantRemote, ok2 := procAddr(remote, table == "tcp6")
		if !ok1 || !ok2 {
			continue
		}
		f, err := os.Open(procRoot + "/net/" + table)
		if err != nil {
			if table == "tcp6" && errors.Is(err, os.ErrNotExist) {
				break // no IPv6 in this kernel
			}
			return "", fmt.Errorf("reading socket table: %w", err)
		}
		ino, found := findInode(f, wantLocal, wantRemote)
		_ = f.Close()
		if found {
			if ino == "0" {
				return "", errNoSocket // an orphaned socket belongs to no process
			}
			return ino, nil
		}
	}
	return "", errNoSocket
}

// findInode scans a /proc/net/tcp{,6} table for the row with the given
// local and remote addresses (in the table's hex form) and returns its
// inode column.
func findInode(f *os.File, local, remote []byte) (string, bool) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	sc.Scan() // header
	for sc.Scan() {
		ino, ok := parseTCPRow(sc.Bytes(), local, remote)
		if ok {
			return ino, true
		}
	}
	return "", false
}

// parseTCPRow returns the inode column of one /proc/net/tcp row if its
// local_address and rem_address columns are local and remote:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
func parseTCPRow(row, local, remote []byte) (string, bool) {
	fields := bytes.Fields(row)
	if len(fields) < 10 {
		return "", false
	}
	if !bytes.EqualFold(fields[1], local) || !bytes.EqualFold(fields[2], remote) {
		return "", false
	}
	ino := fields[9]
	if _, err := strconv.ParseUint(string(ino), 10, 64); err != nil {
		return "", false
	}
	return string(ino), true
}

// procAddr renders a as the kernel prints it in /proc/net/tcp (IPv4: the
// address as one native-endian 32-bit word) or tcp6 (four words), then
// ":" and the port as four hex digits.
func procAddr(a *net.TCPAddr, v6 bool) ([]byte, bool) {
	var ip []byte
	if v6 {
		ip = a.IP.To16()
		if a.IP.To4() != nil {
			ip = net.IP(a.IP.To4()).To16() // ::ffff:a.b.c.d
		}
	} else {
		ip = a.IP.To4()
	}
	if ip == nil {
		return nil, false
	}
	var b []byte
	for i := 0; i < len(ip); i += 4 {
		b = fmt.Appendf(b, "%08X", binary.NativeEndian.Uint32(ip[i:i+4]))
	}
	return fmt.Appendf(b, ":%04X", a.Port), true
}
