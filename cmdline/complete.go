package cmdline

import (
	"fmt"
	"sort"
	"strings"
)

// Shell completion: the scripts ask the binary itself (`PROG __complete
// WORDS...`) for candidates, one per line, so that commands, flags and
// values come from the program and never drift from it.

const bashScript = `# bash completion for PROG: source it, or put it in /etc/bash_completion.d
_PROG() {
    local IFS=$'\n'
    COMPREPLY=( $(PROG __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _PROG PROG
`

const zshScript = `#compdef PROG
# zsh completion for PROG: put it in a directory of $fpath as _PROG
_PROG() {
    local -a candidates
    candidates=(${(f)"$(PROG __complete ${words[2,CURRENT]} 2>/dev/null)"})
    compadd -a candidates
}
compdef _PROG PROG
`

const fishScript = `# fish completion for PROG: put it in ~/.config/fish/completions/PROG.fish
complete -c PROG -f -a '(PROG __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`

// Shells are the shells Script writes for.
var Shells = []string{"bash", "zsh", "fish"}

// Script returns the completion script of prog for shell (bash, zsh or
// fish).
func Script(shell, prog string) (string, error) {
	var s string
	switch shell {
	case "bash":
		s = bashScript
	case "zsh":
		s = zshScript
	case "fish":
		s = fishScript
	default:
		return "", fmt.Errorf("unknown shell %q; bash, zsh or fish", shell)
	}
	return strings.ReplaceAll(s, "PROG", prog), nil
}

// Candidates returns those of all that complete cur, sorted.
func Candidates(cur string, all []string) []string {
	var out []string
	for _, c := range all {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
