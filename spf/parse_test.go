package spf

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"version only", "v=spf1", "v=spf1"},
		{"version is case-insensitive", "V=SpF1 -all", "v=spf1 -all"},
		{"several spaces between terms", "v=spf1 a  mx   -all", "v=spf1 a mx -all"},
		{"trailing space", "v=spf1 a -all ", "v=spf1 a -all"},
		{"RFC 7208 appendix D.1 example", "v=spf1 +mx a:colo.example.com/28 -all", "v=spf1 +mx a:colo.example.com/28 -all"},
		{"every qualifier", "v=spf1 +a -mx ~ip4:192.0.2.1 ?include:example.org -all", "v=spf1 +a -mx ~ip4:192.0.2.1 ?include:example.org -all"},
		{"ip4 without prefix", "v=spf1 ip4:192.0.2.1 -all", "v=spf1 ip4:192.0.2.1 -all"},
		{"ip4 prefix 0 and 32", "v=spf1 ip4:0.0.0.0/0 ip4:192.0.2.1/32 -all", "v=spf1 ip4:0.0.0.0/0 ip4:192.0.2.1/32 -all"},
		{"ip6 with prefix", "v=spf1 ip6:2001:db8::/32 ip6:::1/128 -all", "v=spf1 ip6:2001:db8::/32 ip6:::1/128 -all"},
		{"ip6 with embedded IPv4", "v=spf1 ip6:::ffff:1.2.3.4 -all", "v=spf1 ip6:::ffff:1.2.3.4 -all"},
		{"a with dual cidr", "v=spf1 a/24//64 mx//64 a:example.com/24 mx:example.com//0 -all", "v=spf1 a/24//64 mx//64 a:example.com/24 mx:example.com//0 -all"},
		{"domain with colon and slash", "v=spf1 a:foo:bar/baz.example.com -all", "v=spf1 a:foo:bar/baz.example.com -all"},
		{"domain with trailing dot", "v=spf1 include:_spf.example.com. -all", "v=spf1 include:_spf.example.com. -all"},
		{"dash in top label", "v=spf1 a:foo.example.xn--zckzah -all", "v=spf1 a:foo.example.xn--zckzah -all"},
		{"domain ends in macro", "v=spf1 exists:%{i}.%{l2r-}.user.%{d2} -all", "v=spf1 exists:%{i}.%{l2r-}.user.%{d2} -all"},
		{"upper-case macro", "v=spf1 a:%{H} -all", "v=spf1 a:%{H} -all"},
		{"macro with several delimiters", "v=spf1 exists:%{l2r+-}.user.%{d2} -all", "v=spf1 exists:%{l2r+-}.user.%{d2} -all"},
		{"percent escapes", "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all", "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all"},
		{"redirect and exp", "v=spf1 exp=explain.%{d} redirect=_spf.example.com", "v=spf1 exp=explain.%{d} redirect=_spf.example.com"},
		{"unknown modifier kept", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all"},
		{"unknown modifier may use c r t", "v=spf1 note=%{c}%{r}%{t} -all", "v=spf1 note=%{c}%{r}%{t} -all"},
		{"unknown modifier may be empty", "v=spf1 x= -all", "v=spf1 x= -all"},
		{"ptr with and without domain", "v=spf1 ptr ptr:example.com -all", "v=spf1 ptr ptr:example.com -all"},
		{"mechanism names are case-insensitive", "v=spf1 MX Include:example.com -ALL", "v=spf1 MX Include:example.com -ALL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTerms(t *testing.T) {
	r, err := Parse("v=spf1 mx -A:example.com/24//64 ~ip4:192.0.2.0/24 Redirect=_spf.example.com x-y=%{d} ?ALL")
	if err != nil {
		t.Fatal(err)
	}
	want := []Term{
		{Qualifier: '+', Mechanism: "mx", Text: "mx"},
		{Qualifier: '-', Mechanism: "a", Value: "example.com/24//64", Text: "-A:example.com/24//64"},
		{Qualifier: '~', Mechanism: "ip4", Value: "192.0.2.0/24", Text: "~ip4:192.0.2.0/24"},
		{Modifier: "redirect", Value: "_spf.example.com", Text: "Redirect=_spf.example.com"},
		{Modifier: "x-y", Value: "%{d}", Text: "x-y=%{d}"},
		{Qualifier: '?', Mechanism: "all", Text: "?ALL"},
	}
	if !reflect.DeepEqual(r.Terms, want) {
		t.Errorf("Terms =\n%+v\nwant\n%+v", r.Terms, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `not an SPF record: it must start with "v=spf1" followed by a space`},
		{"version not followed by space", "v=spf10", `not an SPF record: it must start with "v=spf1" followed by a space`},
		{"version glued to term", "v=spf1-all", `not an SPF record: it must start with "v=spf1" followed by a space`},
		{"version followed by tab", "v=spf1\t-all", `not an SPF record: it must start with "v=spf1" followed by a space`},
		{"other version", "v=spf3 -all", `not an SPF record: it must start with "v=spf1" followed by a space`},
		{"unknown mechanism", "v=spf1 ip4:1.2.3.4 -all moo", `term "moo": unknown mechanism "moo"; use all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier`},
		{"mechanism name with slash", "v=spf1 moo.cow/far_out=man:dog/cat -all", `term "moo.cow/far_out=man:dog/cat": unknown mechanism "moo.cow"; use all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier`},
		{"mechanism name with colon", "v=spf1 moo.cow:far_out=man:dog/cat -all", `term "moo.cow:far_out=man:dog/cat": unknown mechanism "moo.cow"; use all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier`},
		{"redirect written as mechanism", "v=spf1 redirect:example.com", `term "redirect:example.com": redirect is a modifier; write redirect=domain`},
		{"bare qualifier", "v=spf1 - -all", `term "-": a qualifier must be followed by a mechanism`},
		{"term of punctuation", "v=spf1 !a -all", `term "!a": a term must start with a mechanism or a modifier name`},
		{"control character", "v=spf1 a:ctrl.example.com\rptr -all", `term "a:ctrl.example.com\rptr": holds a control character (0x0d); SPF terms are visible ASCII separated by spaces`},
		{"newline", "v=spf1 ip4:192.0.2.5\n include:example.com -all", `term "ip4:192.0.2.5\n": holds a control character (0x0a); SPF terms are visible ASCII separated by spaces`},
		{"non-ASCII", "v=spf1 \x80a:example.net -all", `term "\x80a:example.net": holds a non-ASCII byte (0x80); SPF terms are visible ASCII separated by spaces`},
		{"NUL", "v=spf1 a:foo.example.com\x00", `term "a:foo.example.com\x00": holds a control character (0x00); SPF terms are visible ASCII separated by spaces`},
		{"all with dot", "v=spf1 -all.", `term "-all.": "all" takes no argument`},
		{"all with argument", "v=spf1 -all:foobar", `term "-all:foobar": "all" takes no argument`},
		{"all with cidr", "v=spf1 -all/8", `term "-all/8": "all" takes no argument`},
		{"include without colon", "v=spf1 include +all", `term "include": include needs ":" and a domain, as in include:_spf.example.com`},
		{"include empty", "v=spf1 include: -all", `term "include:": include has an empty domain`},
		{"include with cidr", "v=spf1 include:ip5.example.com/24 -all", `term "include:ip5.example.com/24": domain "ip5.example.com/24" must end in a top-level label such as ".com" or in a macro`},
		{"exists without colon", "v=spf1 exists", `term "exists": exists needs ":" and a domain, as in exists:_spf.example.com`},
		{"exists empty", "v=spf1 exists:", `term "exists:": exists has an empty domain`},
		{"ptr with cidr", "v=spf1 ptr/0 -all", `term "ptr/0": ptr takes only an optional ":" and domain`},
		{"ptr empty", "v=spf1 ptr:", `term "ptr:": ptr has an empty domain`},
		{"a empty domain", "v=spf1 a:", `term "a:": a has an empty domain`},
		{"mx empty domain", "v=spf1 mx: -all", `term "mx:": mx has an empty domain`},
		{"a junk after name", "v=spf1 a.b -all", `term "a.b": a takes an optional ":" and domain and an optional prefix length`},
		{"a ip4 prefix too long", "v=spf1 a/33 -all", `term "a/33": IPv4 prefix length must be 0-32`},
		{"a ip6 prefix too long", "v=spf1 a//129 -all", `term "a//129": IPv6 prefix length must be 0-128`},
		{"mx ip6 prefix too long", "v=spf1 mx//129 -all", `term "mx//129": IPv6 prefix length must be 0-128`},
		{"a single slash ip6", "v=spf1 a/24/64 -all", `term "a/24/64": "/24/64" is not a valid prefix length; write /n for IPv4, //n for IPv6, or /n//m`},
		{"a empty prefix", "v=spf1 a:example.com/ -all", `term "a:example.com/": IPv4 prefix length "" must be a number 0-32`},
		{"a leading zero prefix", "v=spf1 a/024 -all", `term "a/024": IPv4 prefix length "024" has a leading zero`},
		{"a port", "v=spf1 a:example.com:8080", `term "a:example.com:8080": domain "example.com:8080" must end in a top-level label such as ".com" or in a macro`},
		{"a numeric address", "v=spf1 a:111.222.33.44", `term "a:111.222.33.44": "111.222.33.44" is an IP address, not a domain; list it with ip4: or ip6:`},
		{"a numeric top label", "v=spf1 a:abc.123", `term "a:abc.123": domain "abc.123" must end in a top-level label such as ".com" or in a macro`},
		{"a top label only", "v=spf1 a:museum", `term "a:museum": domain "museum" must end in a top-level label such as ".com" or in a macro`},
		{"a top label only with dot", "v=spf1 a:museum.", `term "a:museum.": domain "museum." must end in a top-level label such as ".com" or in a macro`},
		{"a top label starting with dash", "v=spf1 a:example.-com", `term "a:example.-com": domain "example.-com" must end in a top-level label such as ".com" or in a macro`},
		{"a no dot", "v=spf1 a:foo-bar -all", `term "a:foo-bar": domain "foo-bar" must end in a top-level label such as ".com" or in a macro`},
		{"ip4 bare", "v=spf1 ip4", `term "ip4": ip4 needs ":" and an address, as in ip4:192.0.2.0/24`},
		{"ip4 empty", "v=spf1 ip4: -all", `term "ip4:": ip4 needs ":" and an address, as in ip4:192.0.2.0/24`},
		{"ip4 prefix too long", "v=spf1 ip4:1.2.3.4/33", `term "ip4:1.2.3.4/33": ip4 prefix length must be 0-32`},
		{"ip4 prefix leading zero", "v=spf1 ip4:1.2.3.4/032 -all", `term "ip4:1.2.3.4/032": ip4 prefix length "032" has a leading zero`},
		{"ip4 dual cidr", "v=spf1 ip4:1.2.3.4//32", `term "ip4:1.2.3.4//32": ip4 prefix length "/32" must be a number 0-32`},
		{"ip4 port", "v=spf1 ip4:1.2.3.4:8080", `term "ip4:1.2.3.4:8080": "1.2.3.4:8080" is not an IPv4 address`},
		{"ip4 short", "v=spf1 ip4:1.2.3", `term "ip4:1.2.3": "1.2.3" is not an IPv4 address`},
		{"ip4 leading zero octet", "v=spf1 ip4:192.0.2.01 -all", `term "ip4:192.0.2.01": "192.0.2.01" is not an IPv4 address`},
		{"ip4 given an IPv6 address", "v=spf1 ip4:2001:db8::1 -all", `term "ip4:2001:db8::1": "2001:db8::1" is not an IPv4 address`},
		{"ip6 bare", "v=spf1 -all ip6", `term "ip6": ip6 needs ":" and an address, as in ip6:2001:db8::/32`},
		{"ip6 prefix too long", "v=spf1 ip6:::1.1.1.1/129", `term "ip6:::1.1.1.1/129": ip6 prefix length must be 0-128`},
		{"ip6 dual cidr", "v=spf1 ip6:::1.1.1.1//33", `term "ip6:::1.1.1.1//33": ip6 prefix length "/33" must be a number 0-128`},
		{"ip6 malformed", "v=spf1 ip6::CAFE::BABE", `term "ip6::CAFE::BABE": ":CAFE::BABE" is not an IPv6 address`},
		{"ip6 given an IPv4 address", "v=spf1 ip6:192.0.2.1 -all", `term "ip6:192.0.2.1": "192.0.2.1" is not an IPv6 address`},
		{"ip6 with zone", "v=spf1 ip6:fe80::1%eth0 -all", `term "ip6:fe80::1%eth0": "fe80::1%eth0" is not an IPv6 address`},
		{"modifier name starts with digit", "v=spf1 1up=foo", `term "1up=foo": modifier name "1up" must start with a letter`},
		{"modifier without name", "v=spf1 =all", `term "=all": a modifier needs a name before "="`},
		{"modifier with qualifier", "v=spf1 -redirect=example.com", `term "-redirect=example.com": a modifier takes no qualifier; remove the leading -`},
		{"redirect empty", "v=spf1 ?all redirect=", `term "redirect=": redirect needs a domain`},
		{"exp empty", "v=spf1 exp= -all", `term "exp=": exp needs a domain`},
		{"redirect not a domain", "v=spf1 redirect=-all ?all", `term "redirect=-all": domain "-all" must end in a top-level label such as ".com" or in a macro`},
		{"exp not a domain", "v=spf1 exp=-all", `term "exp=-all": domain "-all" must end in a top-level label such as ".com" or in a macro`},
		{"bad macro in unknown modifier", "v=spf1 -all foo=%abc", `term "foo=%abc": "%" must be followed by "{", "%", "_" or "-"; write "%%" for a literal percent sign`},
		{"parenthesis macro", "v=spf1 -exists:%(ir).sbl.example.com ?all", `term "-exists:%(ir).sbl.example.com": "%" must be followed by "{", "%", "_" or "-"; write "%%" for a literal percent sign`},
		{"trailing percent", "v=spf1 a:example.com% -all", `term "a:example.com%": "%" must be followed by "{", "%", "_" or "-"; write "%%" for a literal percent sign`},
		{"unclosed macro", "v=spf1 a:%{d2 -all", `term "a:%{d2": macro "%{d2" is not closed with "}"`},
		{"empty macro", "v=spf1 a:%{}.example.com -all", `term "a:%{}.example.com": macro "%{}" has no letter; use one of s, l, o, d, i, p, h, v`},
		{"unknown macro letter", "v=spf1 a:%{a}.example.com -all", `term "a:%{a}.example.com": macro "%{a}" uses the unknown letter "a"; use one of s, l, o, d, i, p, h, v`},
		{"explanation-only macro letter in exp domain", "v=spf1 -all exp=%{r}.example.com", `term "exp=%{r}.example.com": macro "%{r}": the letter "r" is allowed only in explanation text; use one of s, l, o, d, i, p, h, v`},
		{"explanation-only macro letter c", "v=spf1 a:%{C}.example.com -all", `term "a:%{C}.example.com": macro "%{C}": the letter "C" is allowed only in explanation text; use one of s, l, o, d, i, p, h, v`},
		{"zero digit transformer", "v=spf1 a:%{d0}.example.com -all", `term "a:%{d0}.example.com": macro "%{d0}" keeps zero labels; the number must be at least 1`},
		{"bad delimiter", "v=spf1 a:%{d2x}.example.com -all", `term "a:%{d2x}.example.com": macro "%{d2x}": after the letter come only digits, "r" and the delimiters . - + , / _ =`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %s", tt.in, r, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
			var p Problem
			if !errors.As(err, &p) || p.Severity != Error {
				t.Errorf("error is %#v, want an Error Problem", err)
			}
		})
	}
}

func TestParseReportsEveryBadTerm(t *testing.T) {
	_, problems := parse("v=spf1 ip4:1.2.3.4/33 a:museum -all ptr/0")
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`term "ip4:1.2.3.4/33": ip4 prefix length must be 0-32`,
		`term "a:museum": domain "museum" must end in a top-level label such as ".com" or in a macro`,
		`term "ptr/0": ptr takes only an optional ":" and domain`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q", got, want)
	}
}

func TestDNSLookups(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"v=spf1 -all", 0},
		{"v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 exp=explain.example.com -all", 0},
		{"v=spf1 a mx ptr include:example.com exists:%{i}.example.com redirect=example.org", 6},
		{"v=spf1 a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all", 11},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.DNSLookups(); got != tt.want {
			t.Errorf("DNSLookups(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{Msg: "whole record"}).Error(); got != "whole record" {
		t.Errorf("got %q", got)
	}
	if got := (Problem{Term: "+all", Msg: "bad"}).Error(); got != `term "+all": bad` {
		t.Errorf("got %q", got)
	}
}
