package escape

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Redacted replaces a secret wherever one would have been written.
const Redacted = "[redacted]"

// Redact removes every secret (of 4 bytes or more) from data, also where it
// appears quoted as JSON and markdown would carry it. Files mailzone writes
// go through it.
func Redact(data []byte, secrets []string) []byte {
	out := string(data)
	for _, sec := range secrets {
		if len(sec) >= 4 {
			out = strings.ReplaceAll(out, sec, Redacted)
			if q := strings.Trim(strconv.Quote(sec), `"`); q != sec {
				out = strings.ReplaceAll(out, q, Redacted)
			}
		}
	}
	return []byte(out)
}

// Redactor writes to W with every secret in *Secrets replaced. It is a last
// line of defense for the output streams: secrets are never printed on
// purpose. Secrets is read at each write, so secrets learnt while the run
// goes on (from the configuration) are covered from then on.
type Redactor struct {
	W       io.Writer
	Secrets *[]string
}

// Write writes p with the secrets replaced, and reports p as written whole.
func (s Redactor) Write(p []byte) (int, error) {
	out := string(p)
	for _, sec := range *s.Secrets {
		if len(sec) >= 4 {
			out = strings.ReplaceAll(out, sec, Redacted)
		}
	}
	if _, err := io.WriteString(s.W, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CommandGuard passes output to W line by line, and neutralizes any line the
// GitHub Actions runner would take for a workflow command (see CommandLine)
// by prefixing a backslash. Values from the configuration are escaped where
// they are rendered; this is the guarantee behind that. Flush writes a last
// unterminated line. It is safe for concurrent use.
type CommandGuard struct {
	W   io.Writer
	mu  sync.Mutex
	buf []byte
}

// Write buffers p and writes every complete line.
func (g *CommandGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buf = append(g.buf, p...)
	for {
		i := bytes.IndexByte(g.buf, '\n')
		if i < 0 {
			break
		}
		if err := g.emit(g.buf[:i+1]); err != nil {
			return 0, err
		}
		g.buf = g.buf[i+1:]
	}
	return len(p), nil
}

func (g *CommandGuard) emit(line []byte) error {
	if CommandLine(string(line)) {
		if _, err := g.W.Write([]byte{'\\'}); err != nil {
			return err
		}
	}
	_, err := g.W.Write(line)
	return err
}

// Flush writes what is left of an unterminated last line.
func (g *CommandGuard) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.buf) > 0 {
		g.emit(g.buf)
		g.buf = nil
	}
}
