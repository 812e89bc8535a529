package audit

import (
	"strconv"
	"strings"

	"github.com/why401/why401/internal/apacheconf"
)

// cond decides Apache's <IfModule> and <IfDefine> sections from the
// configuration itself: the modules its LoadModule lines load (plus those
// compiled in) and the names its active Define lines define. A
// configuration without any LoadModule (a site file audited alone) is
// taken to have every module.
type cond struct {
	anyLoad bool
	mods    map[string]bool
	defines map[string]bool
}

// builtinModules are compiled into Debian's and Red Hat's httpd.
var builtinModules = []string{"core", "so", "watchdog", "http", "log_config", "logio", "version", "unixd", "mpm_common"}

func moduleName(s string) string {
	s = strings.ToLower(strings.TrimPrefix(s, "!"))
	s = strings.TrimSuffix(s, ".c")
	s = strings.TrimPrefix(s, "mod_")
	s = strings.TrimSuffix(s, "_module")
	return s
}

func conditions(a *Apache) *cond {
	c := &cond{mods: map[string]bool{}, defines: map[string]bool{}}
	for _, m := range builtinModules {
		c.mods[m] = true
	}
	apacheconf.Walk(a.Config.Directives, func(d *adir, _ []*adir) bool {
		if d.Is("LoadModule") && len(d.Args) >= 1 {
			c.anyLoad = true
			c.mods[moduleName(d.Args[0])] = true
		}
		return true
	})
	// Defines may depend on each other; two rounds settle the usual
	// nesting (Debian's serve-cgi-bin.conf).
	for round := 0; round < 2; round++ {
		c.walk(a.Config.Directives, func(d *adir, _ []*adir) {
			if d.Is("Define") && len(d.Args) >= 1 {
				c.defines[d.Args[0]] = true
			}
		})
	}
	return c
}

// holds reports whether a conditional section's contents apply.
func (c *cond) holds(d *adir) bool {
	if c == nil {
		return true
	}
	arg := d.Arg(0)
	neg := strings.HasPrefix(arg, "!")
	switch {
	case d.Is("IfModule"):
		if !c.anyLoad {
			return true
		}
		return c.mods[moduleName(arg)] != neg
	case d.Is("IfDefine"):
		return c.defines[strings.TrimPrefix(arg, "!")] != neg
	case d.Is("IfVersion"):
		return ifVersion(d.Args)
	}
	return true
}

// loaded reports whether module m (a name such as "cgid") is loaded; a
// configuration without LoadModule lines is taken to have every module.
func (c *cond) loaded(m string) bool {
	return c == nil || !c.anyLoad || c.mods[m]
}

// assumedVersion is the httpd version <IfVersion> sections are decided
// against: the current 2.4 release series, which every supported
// distribution ships. A branch for 2.2 or older is dead.
var assumedVersion = [3]int{2, 4, 99}

// ifVersion decides <IfVersion [[!]operator] version>: =, ==, >, >=, <,
// <= compare numerically; ~ and /regex/ match the version string (a
// regex is decided true: it cannot be checked without the real
// version). Anything unreadable is taken to hold.
func ifVersion(args []string) bool {
	op, ver := "=", ""
	switch len(args) {
	case 1:
		ver = args[0]
	case 2:
		op, ver = args[0], args[1]
	default:
		return true
	}
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	if op == "~" || strings.HasPrefix(ver, "/") {
		return true
	}
	var v [3]int
	parts := strings.Split(ver, ".")
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return true
		}
		v[i] = n
	}
	cmp := 0
	for i := 0; i < 3; i++ {
		a := assumedVersion[i]
		if i >= len(parts) {
			break // "2.4" compares only major and minor
		}
		if a != v[i] {
			if a < v[i] {
				cmp = -1
			} else {
				cmp = 1
			}
			break
		}
	}
	var r bool
	switch op {
	case "=", "==":
		r = cmp == 0
	case ">":
		r = cmp > 0
	case ">=":
		r = cmp >= 0
	case "<":
		r = cmp < 0
	case "<=":
		r = cmp <= 0
	default:
		return true
	}
	return r != neg
}

// walk calls fn for every directive whose enclosing conditional sections
// hold, with its parents.
func (c *cond) walk(ds []*adir, fn func(d *adir, parents []*adir)) {
	apacheconf.Walk(ds, func(d *adir, parents []*adir) bool {
		if d.Block != nil && transparent(d) && !c.holds(d) {
			return false
		}
		fn(d, parents)
		return true
	})
}
