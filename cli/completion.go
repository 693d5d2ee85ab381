package cli

import (
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/cmdline"
	"github.com/mailzone/mailzone/configedit"

	"github.com/mailzone/mailzone/schema"
)

// Shell completion (see cmdline.Script): commands and flags come from the
// flag sets, domain, provider and profile names from the configuration.

// completion is `mailzone completion bash|zsh|fish`.
func (r *run) completion(args []string) int {
	if len(args) != 1 {
		return r.usageError("completion", fmt.Errorf("name a shell: bash, zsh or fish"))
	}
	if args[0] == "-h" || args[0] == "--help" {
		writeHelp(r.s.Env.Stdout, "completion", nil)
		return ExitOK
	}
	script, err := cmdline.Script(args[0], "mailzone")
	if err != nil {
		return r.usageError("completion", err)
	}
	fmt.Fprint(r.s.Env.Stdout, script)
	return ExitOK
}

// complete prints the candidates for the last of words (the word being
// typed, possibly empty), one per line.
func (r *run) complete(words []string) int {
	if len(words) == 0 {
		words = []string{""}
	}
	cur := words[len(words)-1]
	prev := ""
	if len(words) > 1 {
		prev = words[len(words)-2]
	}
	var out []string
	switch {
	case len(words) == 1:
		out = commandNames
	case words[0] == "dkim" && len(words) == 2:
		out = dkimSubcommands
	case words[0] == "dmarc" && len(words) == 2:
		out = []string{"reports"}
	case words[0] == "mta-sts" && len(words) == 2:
		out = []string{"export"}
	case words[0] == "completion" && len(words) == 2:
		out = cmdline.Shells
	case prev == "-d" || prev == "--d" || prev == "--domain" || prev == "-domain":
		if cfg := r.quietConfig(words); cfg != nil {
			for _, d := range cfg.Domains {
				out = append(out, d.Name)
			}
		}
	case prev == "--provider" || prev == "-provider":
		if cfg := r.quietConfig(words); cfg != nil {
			for _, p := range cfg.Providers {
				out = append(out, p.Name)
			}
		}
	case prev == "--profile" || prev == "-profile":
		out = r.profileNames(words)
	case prev == "--format" || prev == "-format":
		out = []string{"text", "json", "markdown", "opendkim", "rspamd"}
	case strings.HasPrefix(cur, "-"):
		cmd := words[0]
		if (cmd == "dkim" || cmd == "dmarc" || cmd == "mta-sts") && len(words) > 2 {
			cmd += " " + words[1]
		}
		names, _ := Flags(cmd)
		for _, n := range names {
			out = append(out, cmdline.Dashed(n))
		}
	}
	for _, c := range cmdline.Candidates(cur, out) {
		fmt.Fprintln(r.s.Env.Stdout, c)
	}
	return ExitOK
}

// quietConfig loads the configuration the words name (-c) or discovery
// finds, printing nothing; nil when it does not load.
func (r *run) quietConfig(words []string) *schema.Config {
	path := ""
	for i, w := range words {
		if (w == "-c" || w == "--config" || w == "-config") && i+1 < len(words) {
			path = words[i+1]
		}
	}
	if path == "" {
		path, _ = schema.Find(r.s.Env.Getenv)
	}
	data, err := schema.ReadFile(path)
	if err != nil {
		return nil
	}
	cfg, _ := schema.Parse(path, data, func(string) (string, bool) { return "", false })
	return cfg
}

// profileNames lists the configuration's profiles.
func (r *run) profileNames(words []string) []string {
	cfg := r.quietConfig(words)
	if cfg == nil {
		return nil
	}
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return nil
	}
	_, profiles := configedit.LookupKey(edit.Root, "profiles")
	var out []string
	if profiles != nil {
		for i := 0; i+1 < len(profiles.Content); i += 2 {
			out = append(out, profiles.Content[i].Value)
		}
	}
	return out
}
