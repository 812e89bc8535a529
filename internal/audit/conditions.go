package audit

import (
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
	}
	return true
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
