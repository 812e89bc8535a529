package audit

import (
	"io/fs"

	"github.com/why401/why401/internal/apacheconf"
	"github.com/why401/why401/internal/htpasswd"
	"github.com/why401/why401/internal/nginxconf"
)

// Evidence is everything an audit read, gathered by Load: the parsed
// configurations, the facts about files they name and the accounts the
// servers run as. Checks read it and do no I/O of their own.
type Evidence struct {
	Nginx  []*Nginx
	Apache []*Apache
	// Files holds facts about the password files the configurations
	// name, keyed by the absolute path the server would open.
	Files map[string]*FileFacts
	// beside maps a directive's file and the relative password file
	// path it names to where that path would be beside the directive's
	// file (absolute), when that is not the file the server opens.
	beside map[[2]string]string
	// Panels holds what the audit recognised of hosting panels' files
	// (panel.go), keyed by path; panelAt the password-file directives
	// that name a panel's password file, panelConfig the panel each
	// configuration file belongs to.
	Panels      map[string][]PanelFile
	panelAt     map[Location]*PanelFile
	panelConfig map[string]*Panel
}

// ConfigFiles lists the configuration files read: each configuration's
// files in the order read, then for Apache its .htaccess files.
func (ev *Evidence) ConfigFiles() []string {
	var out []string
	for _, n := range ev.Nginx {
		out = append(out, n.Config.Files...)
	}
	for _, a := range ev.Apache {
		out = append(out, a.Config.Files...)
		for _, h := range a.Htaccess {
			out = append(out, h.Path)
		}
	}
	return out
}

// Nginx is one nginx configuration.
type Nginx struct {
	Config *nginxconf.Config
	// Account is the user and group the workers run as (the user
	// directive, or nginx's default nobody).
	Account Account

	// scopes and servers are computed once by index.
	scopes   []nscope
	servers  []*nserver
	byServer map[*ndir]*nserver
	targets  map[*ndir]bool
	// names indexes each block's directives by name (see nscope.named).
	names map[*ndir]map[string][]*ndir
}

// Apache is one Apache httpd configuration with the .htaccess files its
// AllowOverride lets in.
type Apache struct {
	Config   *apacheconf.Config
	Account  Account
	Htaccess []*Htaccess

	// direct caches each scope's own directives (see ascope.direct).
	direct map[scopeKey]*directs
}

// Htaccess is one .htaccess file inside a directory where AllowOverride
// permits authentication directives.
type Htaccess struct {
	Path       string
	Dir        string
	Directives []*apacheconf.Directive
	// Err is set when the file could not be read or parsed.
	Err string
}

// Account is a server's run-time user and group, resolved when the
// system knows them.
type Account struct {
	User, Group string
	// Known is false when the names could not be resolved; then the
	// numeric fields are meaningless.
	Known  bool
	UID    int
	GID    int
	Groups []int // supplementary group IDs, GID included
}

// FileFacts are what Load found out about one file a configuration
// names.
type FileFacts struct {
	Path   string
	Exists bool
	IsDir  bool
	Err    string // why it could not be read, when it exists
	Mode   fs.FileMode
	UID    int
	GID    int
	// Parents are the directories from / down to the file's own
	// directory, for search permission.
	Parents []DirFacts
	// Password is the parsed content, when the file is a password
	// file that could be read.
	Password *htpasswd.File
}

// DirFacts is one directory on the way to a file.
type DirFacts struct {
	Path string
	Mode fs.FileMode
	UID  int
	GID  int
}

// CanRead reports whether a process running as a can read the file, and
// if not, which path (the file or a directory) stops it. An unknown
// account is assumed able to read.
func (f *FileFacts) CanRead(a Account) (bool, string) {
	if !a.Known || a.UID == 0 {
		return true, ""
	}
	for _, d := range f.Parents {
		if !permits(a, d.Mode, d.UID, d.GID, 0o1) {
			return false, d.Path
		}
	}
	if !permits(a, f.Mode, f.UID, f.GID, 0o4) {
		return false, f.Path
	}
	return true, ""
}

// permits applies the owner, group, other rule for the bit (4 read, 1
// search) given in its "other" position.
func permits(a Account, mode fs.FileMode, uid, gid int, bit fs.FileMode) bool {
	if a.UID == uid {
		return mode&(bit<<6) != 0
	}
	for _, g := range a.Groups {
		if g == gid {
			return mode&(bit<<3) != 0
		}
	}
	return mode&bit != 0
}
