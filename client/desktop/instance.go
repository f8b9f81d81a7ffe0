package desktop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The single-instance protocol, over a Unix socket: the secondary instance writes each
// argument on a line of its own, then an empty line; the primary answers "ok\n" once it has
// queued them all on URLs, or "error: <reason>\n" and closes.
const (
	// maxArgLen and maxArgs bound what the primary reads from one connection, so that a
	// local peer cannot make it hold much memory.
	maxArgLen = 8 << 10
	maxArgs   = 16
	// maxConns bounds the connections served at once; more wait in the listen backlog.
	maxConns = 8
	// forwardTimeout bounds a secondary's whole exchange and a primary's reading of one
	// connection.
	forwardTimeout = 5 * time.Second
)

// Instance is the primary instance of a desktop app: it listens on SocketPath(name) for the
// arguments of later instances. Its methods are safe for concurrent use.
type Instance struct {
	ln   *net.UnixListener
	urls chan string

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup // the accept loop and the connection handlers
}

// Single makes this process the primary instance of the app called name, or, when a primary
// already answers, forwards args to it and returns forwarded=true (the caller then exits).
//
// Custom-scheme deep links need this: the OS starts a second copy of the app with the URL as
// its argument, and that copy must hand the URL to the running one and exit. Each non-empty
// argument is forwarded as one value of the primary's URLs; arguments may not contain a
// newline, be longer than 8 KiB, or number more than 16.
//
// The primary listens on SocketPath(name), with mode 0600. A socket left by a primary that
// was killed (nothing answers) is removed and taken over. Single refuses, with an error, to
// forward to or take over a socket owned by another user (where the OS reports owners). If
// two processes start at the same moment while a stale socket exists, both may become
// primary; the later one then owns the path. Values from URLs come from any process of the
// same user (and from any web page that opens a deep link): parse and check them as untrusted
// input.
func Single(name string, args []string) (inst *Instance, forwarded bool, err error) {
	var lines []string
	for _, a := range args {
		if a == "" {
			continue
		}
		if len(a) > maxArgLen || strings.ContainsAny(a, "\r\n") {
			return nil, false, fmt.Errorf("desktop: single instance %s: argument is longer than %d bytes or contains a newline", name, maxArgLen)
		}
		lines = append(lines, a)
	}
	if len(lines) > maxArgs {
		return nil, false, fmt.Errorf("desktop: single instance %s: %d arguments, at most %d can be forwarded", name, len(lines), maxArgs)
	}
	path := SocketPath(name)
	// A few rounds, in case another instance creates or removes the socket meanwhile.
	var lastErr error
	for range 3 {
		st, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			inst, err := listen(path)
			if err == nil {
				return inst, false, nil
			}
			lastErr = err // probably another instance was quicker: dial it
			continue
		case err != nil:
			return nil, false, fmt.Errorf("desktop: single instance %s: %w", name, err)
		}
		if err := checkOwner(path, st); err != nil {
			return nil, false, fmt.Errorf("desktop: single instance %s: %w", name, err)
		}
		// Never remove what is not a socket (Windows does not report its AF_UNIX files as
		// sockets).
		if st.Mode().Type() != fs.ModeSocket && runtime.GOOS != "windows" {
			return nil, false, fmt.Errorf("desktop: single instance %s: %s exists and is not a socket (%v): refusing to use it", name, path, st.Mode().Type())
		}
		conn, err := net.DialTimeout("unix", path, forwardTimeout)
		if err == nil {
			err = forward(conn, lines)
			if err != nil {
				return nil, false, fmt.Errorf("desktop: single instance %s: forward to the running instance: %w", name, err)
			}
			return nil, true, nil
		}
		// Nothing answers: a stale socket, unless it was replaced since the Lstat above.
		lastErr = err
		if st2, err := os.Lstat(path); err == nil && os.SameFile(st, st2) {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, false, fmt.Errorf("desktop: single instance %s: remove stale socket: %w", name, err)
			}
		}
	}
	return nil, false, fmt.Errorf("desktop: single instance %s: could neither listen on nor forward to %s: %w", name, path, lastErr)
}

// checkOwner refuses a socket file owned by another user, where the OS reports owners.
func checkOwner(path string, st fs.FileInfo) error {
	owner, ok := fileOwner(st)
	if uid := os.Getuid(); ok && uid >= 0 && owner != uint64(uid) {
		return fmt.Errorf("%s is owned by uid %d, not by this user (uid %d): refusing to use it", path, owner, uid)
	}
	return nil
}

// fileOwner returns the uid in st's system data: the Uid field of the *syscall.Stat_t of
// every Unix. It is read by reflection because syscall.Stat_t does not exist on Windows, and
// this file builds everywhere.
func fileOwner(st fs.FileInfo) (uint64, bool) {
	v := reflect.ValueOf(st.Sys())
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return 0, false
	}
	f := v.Elem().FieldByName("Uid")
	if !f.IsValid() || !f.CanUint() {
		return 0, false
	}
	return f.Uint(), true
}

// forward sends lines to a primary and waits for its answer.
func forward(conn net.Conn, lines []string) error {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(forwardTimeout))
	var msg bytes.Buffer
	for _, l := range lines {
		msg.WriteString(l)
		msg.WriteByte('\n')
	}
	msg.WriteByte('\n')
	if _, err := conn.Write(msg.Bytes()); err != nil {
		return err
	}
	answer, err := bufio.NewReader(io.LimitReader(conn, 256)).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no answer: %w", err)
	}
	if answer != "ok\n" {
		return fmt.Errorf("refused: %s", strings.TrimSpace(answer))
	}
	return nil
}

func listen(path string) (*Instance, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	// Windows ignores the mode; its AF_UNIX socket files carry the creator's ACL.
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		ln.Close()
		return nil, fmt.Errorf("chmod socket: %w", err)
	}
	inst := &Instance{
		ln:   ln,
		urls: make(chan string, maxArgs),
		done: make(chan struct{}),
	}
	inst.wg.Add(1)
	go inst.serve()
	return inst, nil
}

// URLs returns the channel of arguments forwarded by later instances, one value per argument,
// in order per instance. It is closed by Close. Values are untrusted input; see Single.
func (i *Instance) URLs() <-chan string { return i.urls }

// Close stops listening, removes the socket and closes URLs once every connection being
// served has finished (a connection that sends nothing is given up after 5 seconds). Later
// calls return the first call's result.
func (i *Instance) Close() error {
	i.closeOnce.Do(func() {
		close(i.done)
		if err := i.ln.Close(); err != nil {
			i.closeErr = fmt.Errorf("desktop: close instance: %w", err)
		}
		i.wg.Wait()
		close(i.urls)
	})
	return i.closeErr
}

func (i *Instance) serve() {
	defer i.wg.Done()
	sem := make(chan struct{}, maxConns)
	for {
		conn, err := i.ln.Accept()
		if err != nil {
			select {
			case <-i.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// A transient accept error (e.g. too many open files): try again shortly
			// rather than spin or stop serving.
			select {
			case <-i.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-i.done:
			conn.Close()
			return
		}
		i.wg.Add(1)
		go func() {
			defer i.wg.Done()
			defer func() { <-sem }()
			i.handle(conn)
		}()
	}
}

// handle reads one secondary's arguments, queues them on urls and answers.
func (i *Instance) handle(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(forwardTimeout))
	args, err := readArgs(conn)
	if err != nil {
		io.WriteString(conn, "error: "+err.Error()+"\n")
		return
	}
	for _, a := range args {
		select {
		case i.urls <- a:
		case <-i.done:
			io.WriteString(conn, "error: the instance is closing\n")
			return
		}
	}
	io.WriteString(conn, "ok\n")
}

// readArgs reads lines (ending in "\n" or "\r\n") up to an empty one, at most maxArgs lines
// of at most maxArgLen bytes, never buffering more than one line.
func readArgs(r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(r, maxArgLen+2)
	var args []string
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(bytes.TrimRight(line, "\r\n")) > maxArgLen {
			return nil, fmt.Errorf("argument longer than %d bytes", maxArgLen)
		}
		if err != nil {
			return nil, fmt.Errorf("read arguments: %v", err)
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, errors.New("argument contains a carriage return")
		}
		a := string(line)
		if a == "" {
			return args, nil
		}
		if len(args) == maxArgs {
			return nil, fmt.Errorf("more than %d arguments", maxArgs)
		}
		args = append(args, a)
	}
}

// SocketPath returns the path of the single-instance socket of the app called name:
// $XDG_RUNTIME_DIR/<name>-<uid>.sock, or the same in os.TempDir() when XDG_RUNTIME_DIR is not
// set. Bytes of name outside [A-Za-z0-9._-] become "_"; on Windows, which has no uids, the
// "-<uid>" part is left out (its temporary directory is private to the user).
func SocketPath(name string) string {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	b := []byte(name)
	for k, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' && k > 0) {
			b[k] = '_'
		}
	}
	base := string(b)
	if uid := os.Getuid(); uid >= 0 {
		base += "-" + strconv.Itoa(uid)
	}
	return filepath.Join(dir, base+".sock")
}
