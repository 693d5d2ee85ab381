package schema

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/escape"
)

// Load reads, merges and validates the configuration at path, expanding ${VAR}
// in provider blocks from the process environment. The error, when not nil, is
// a [Diagnostics] listing every problem found; warnings are in Config.Warnings.
func Load(path string) (*Config, error) {
	text, err := ReadText(path)
	if err != nil {
		return nil, err
	}
	return ParseText(path, text, os.LookupEnv)
}

// MaxFile bounds the configuration file: 10,000 domains take about 2 MiB.
const MaxFile = 32 << 20

// ReadFile reads a configuration file. Only a regular file of at most
// MaxFile bytes is read: the type is checked before the file is opened, so a
// FIFO or a device named in a pull request cannot hang or exhaust a run.
func ReadFile(path string) ([]byte, error) {
	data, err := readBytes(path, MaxFile)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return data, nil
}

// ReadText is ReadFile for ParseText: the file read into a string, which a
// fleet's configuration of megabytes is then never copied out of.
func ReadText(path string) (string, error) {
	var b strings.Builder
	if err := readRegular(path, MaxFile, b.Grow, &b); err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	return b.String(), nil
}

// openRegular opens path if it is a regular file of at most max bytes, and
// returns its size.
func openRegular(path string, max int64) (*os.File, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	if st.Size() > max {
		return nil, 0, fmt.Errorf("%s: %d bytes; the limit is %d", path, st.Size(), max)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	st, err = f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: not a regular file", path)
	}
	return f, min(st.Size(), max), nil
}

// readRegular reads path, if it is a regular file of at most max bytes,
// into w, which grow first sizes to the file (a fleet's file is megabytes:
// growing a buffer from 512 bytes copies and clears it many times).
func readRegular(path string, max int64, grow func(int), w io.Writer) error {
	f, size, err := openRegular(path, max)
	if err != nil {
		return err
	}
	defer f.Close()
	grow(int(size) + bytes.MinRead)
	n, err := io.Copy(w, io.LimitReader(f, max+1))
	if err != nil {
		return err
	}
	if n > max {
		return fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return nil
}

// readBytes is readRegular into a byte slice.
func readBytes(path string, max int64) ([]byte, error) {
	var b bytes.Buffer
	if err := readRegular(path, max, b.Grow, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// checkText reports where text is not text YAML can hold: a NUL byte or
// invalid UTF-8, with its line and column; a UTF-8 byte order mark is fine.
func (l *loader) checkText(text string) bool {
	if utf8.ValidString(text) && strings.IndexByte(text, 0) < 0 {
		return true // the common case, checked word by word; the loop below finds where a bad file is bad
	}
	line, col := 1, 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			l.add(Diagnostic{Pos: Pos{File: l.file, Line: line, Col: col}, Severity: Error, Msg: fmt.Sprintf("not valid UTF-8: byte 0x%02x; save the file as UTF-8", text[i])})
			return false
		case r == 0:
			l.add(Diagnostic{Pos: Pos{File: l.file, Line: line, Col: col}, Severity: Error, Msg: "a NUL byte; the configuration must be text"})
			return false
		case r == '\n':
			line, col = line+1, 0
		}
		col++
		i += size
	}
	return true
}

// Parse is Load on data already read; file names the data in messages and
// locates relative paths (key files). env looks environment variables up.
func Parse(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	return ParseText(file, string(data), env)
}

// ParseText is Parse on text (see ReadText).
func ParseText(file, text string, env func(string) (string, bool)) (*Config, error) {
	l := &loader{file: file, dir: filepath.Dir(file), env: env}
	cfg := l.config(text)
	if cfg != nil && !l.diags.HasErrors() {
		authorizeReports(cfg)
	}
	l.diags.Sort()
	if l.diags.HasErrors() {
		return cfg, l.diags
	}
	if cfg != nil {
		cfg.Warnings = l.diags
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) config(text string) *Config {
	if len(text) > MaxFile {
		l.add(Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: fmt.Sprintf("%d bytes; the limit is %d", len(text), MaxFile)})
		return nil
	}
	if !l.checkText(text) {
		return nil
	}
	if cfg, ok := l.configCut(text); ok {
		return cfg
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		d := Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: "not valid YAML: " + err.Error()}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &d.Pos.Line)
			d.Pos.Col = 1
			d.Msg = "not valid YAML: " + m[2]
		}
		l.add(d)
		return nil
	}
	if len(doc.Content) == 0 {
		l.add(Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: "the file is empty; it needs at least version: 1, providers: and domains:"})
		return nil
	}
	cfg, profiles, domains := l.top(doc.Content[0])
	l.domains(cfg, domains, l.profiles(profiles))
	return cfg
}

// top reads the file's top-level mapping root: the version, providers and
// defaults into a new Config, and returns the profiles: and domains: nodes.
func (l *loader) top(root *yaml.Node) (cfg *Config, profiles, domains *yaml.Node) {
	cfg = &Config{File: l.file, Dir: l.dir, Defaults: Defaults{TTL: 3600, MaxChangePercent: 30}}
	version := false
	for _, p := range l.fields(root, "", "version", "providers", "defaults", "profiles", "domains") {
		switch p.key {
		case "version":
			version = true
			if v, ok := l.uint(p.v, "version", 0, 1<<31); ok && v != Version {
				l.errorf(p.v, "version", "schema version %d is not supported; this mailzone reads version %d", v, Version)
			}
		case "providers":
			l.providers(cfg, p.v)
		case "defaults":
			l.defaults(cfg, p.v)
		case "profiles":
			profiles = p.v
		case "domains":
			domains = p.v
		}
	}
	if root.Kind == yaml.MappingNode && !version {
		l.errorf(root, "version", "missing; add version: 1 at the top of the file")
	}
	if root.Kind == yaml.MappingNode && domains == nil {
		l.errorf(root, "domains", "missing; the file declares no domains")
	}
	return cfg, profiles, domains
}

// short quotes at most about 100 bytes of a value in messages.
func short(s string) string { return escape.Short(s) }
