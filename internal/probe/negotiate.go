package probe

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/why401/why401/internal/clip"
	"github.com/why401/why401/internal/evidence"
)

// negotiatePending stands in base.secret for the Negotiate token of
// --negotiate: every hop that carries it gets a fresh token (a Kerberos
// authenticator is good for one request; servers keep a replay cache).
const negotiatePending = "Negotiate"

// kerberos makes the Negotiate tokens of --negotiate from the user's
// ticket cache, as curl does through GSS-API: the service principal is
// HTTP/host of the URL, the ticket-granting ticket comes from the cache
// (kinit), the service ticket from the realm's KDC. It loads once per run;
// the first failure is kept, and no token is made after it.
type kerberos struct {
	once sync.Once
	mu   sync.Mutex
	cl   *client.Client
	ev   evidence.Kerberos
	now  func() time.Time
}

func newKerberos(host string, now func() time.Time) *kerberos {
	k := &kerberos{now: now}
	k.ev.SPN = "HTTP/" + strings.ToLower(strings.TrimSuffix(host, "."))
	k.ev.Config = krb5ConfigPath()
	k.ev.CCache, _ = ccachePath()
	return k
}

// krb5ConfigPath is the krb5.conf MIT Kerberos reads: the first existing
// file of KRB5_CONFIG (a colon-separated list), else /etc/krb5.conf.
func krb5ConfigPath() string {
	v := os.Getenv("KRB5_CONFIG")
	if v == "" {
		return "/etc/krb5.conf"
	}
	paths := strings.Split(v, ":")
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[0]
}

// ccachePath is the ticket cache: KRB5CCNAME (FILE:path or a bare path),
// else /tmp/krb5cc_UID. kind is the cache type when it is one the probe
// cannot read (KEYRING, KCM, DIR, MEMORY, API), "" otherwise.
func ccachePath() (path, kind string) {
	v := os.Getenv("KRB5CCNAME")
	if v == "" {
		return fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()), ""
	}
	typ, rest, ok := strings.Cut(v, ":")
	if !ok || strings.Contains(typ, "/") {
		return v, ""
	}
	if strings.EqualFold(typ, "FILE") {
		return rest, ""
	}
	return v, strings.ToUpper(typ)
}

// snapshot returns the evidence so far.
func (k *kerberos) snapshot() *evidence.Kerberos {
	k.mu.Lock()
	defer k.mu.Unlock()
	ev := k.ev
	return &ev
}

func (k *kerberos) fail(problem, format string, args ...any) {
	k.ev.Problem, k.ev.Err = problem, fmt.Sprintf(format, args...)
}

// load reads krb5.conf and the ticket cache and prepares the client.
func (k *kerberos) load() {
	k.mu.Lock()
	defer k.mu.Unlock()
	cfg, err := krbconfig.Load(k.ev.Config)
	if err != nil {
		var ud krbconfig.UnsupportedDirective
		if !errors.As(err, &ud) {
			if os.IsNotExist(errors.Unwrap(err)) || !fileExists(k.ev.Config) {
				k.fail("no-config", "no Kerberos configuration at %s (KRB5_CONFIG names another): the machine is not set up for a Kerberos realm", k.ev.Config)
			} else {
				k.fail("no-config", "%s: cannot be read as a Kerberos configuration: %s", k.ev.Config, oneLine(err.Error()))
			}
			return
		}
	}
	host := strings.TrimPrefix(k.ev.SPN, "HTTP/")
	k.ev.Realm = cfg.ResolveRealm(host)
	if k.ev.Realm == "" {
		k.ev.Realm = cfg.LibDefaults.DefaultRealm
	}
	path, kind := ccachePath()
	if kind != "" {
		k.fail("unsupported-cache", "KRB5CCNAME=%s is a %s ticket cache, which why401 cannot read; point KRB5CCNAME at a file cache (export KRB5CCNAME=FILE:/tmp/krb5cc_$(id -u) and kinit again)", path, kind)
		return
	}
	if !fileExists(path) {
		k.fail("no-ticket", "no Kerberos ticket cache at %s: no kinit was run for this user (klist says so too)", path)
		return
	}
	cc, err := credentials.LoadCCache(path)
	if err != nil {
		k.fail("no-ticket", "%s: not a readable ticket cache: %s", path, oneLine(err.Error()))
		return
	}
	cp := cc.DefaultPrincipal
	k.ev.Principal = strings.Join(cp.PrincipalName.NameString, "/") + "@" + cp.Realm
	tgt, ok := cc.GetEntry(types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", cp.Realm}})
	if !ok {
		k.fail("no-ticket", "the ticket cache %s holds no ticket-granting ticket for %s", path, k.ev.Principal)
		return
	}
	k.ev.Expires = tgt.EndTime
	if now := k.now(); !tgt.EndTime.IsZero() && now.After(tgt.EndTime) {
		k.fail("expired", "the ticket of %s expired at %s (%s ago)", k.ev.Principal, tgt.EndTime.UTC().Format(time.RFC3339), now.Sub(tgt.EndTime).Round(time.Second))
		return
	}
	if k.ev.Realm == "" {
		k.fail("no-realm", "%s names no realm for %s (no default_realm, no [domain_realm] entry)", k.ev.Config, host)
		return
	}
	cl, err := client.NewFromCCache(cc, cfg, client.DisablePAFXFAST(true), client.Logger(log.New(io.Discard, "", 0)))
	if err != nil {
		k.fail("no-ticket", "%s: %s", path, oneLine(err.Error()))
		return
	}
	k.cl = cl
}

// token returns a fresh "Negotiate <token>" for the service, or false
// when none can be made (the reason is in the evidence).
func (k *kerberos) token() (string, bool) {
	k.once.Do(k.load)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cl == nil || k.ev.Problem != "" {
		return "", false
	}
	ct, err := spnego.SPNEGOClient(k.cl, k.ev.SPN).InitSecContext()
	if err == nil {
		var b []byte
		if b, err = ct.Marshal(); err == nil {
			k.ev.Tokens++
			return "Negotiate " + base64.StdEncoding.EncodeToString(b), true
		}
	}
	k.classify(err)
	return "", false
}

// classify records why the KDC gave no service ticket.
func (k *kerberos) classify(err error) {
	msg := oneLine(err.Error())
	_, clientRealm, _ := strings.Cut(k.ev.Principal, "@")
	otherRealm := k.ev.Realm != "" && clientRealm != "" && !strings.EqualFold(k.ev.Realm, clientRealm)
	switch {
	case otherRealm && (strings.Contains(msg, "KDC_ERR_S_PRINCIPAL_UNKNOWN") || strings.Contains(msg, "could not find TGT session") || strings.Contains(msg, "KDC_ERR_WRONG_REALM")):
		k.fail("realm", "the ticket of %s is for realm %s, but %s puts %s in realm %s, and %s has no trust with it (its KDC gives no ticket krbtgt/%s): kinit in %s, or correct [domain_realm]", k.ev.Principal, clientRealm, k.ev.Config, k.ev.SPN, k.ev.Realm, clientRealm, k.ev.Realm, k.ev.Realm)
	case strings.Contains(msg, "KDC_ERR_S_PRINCIPAL_UNKNOWN"):
		k.fail("unknown-server", "the KDC of %s knows no service principal %s: the server's name is not registered in the realm (a CNAME, another host name, or a missing setspn/ktadd)", k.ev.Realm, k.ev.SPN)
	case strings.Contains(msg, "Networking_Error"), strings.Contains(msg, "could not get KDC"), strings.Contains(msg, "no KDC"):
		k.fail("kdc-unreachable", "no KDC of realm %s answered (%s): the machine is outside the realm's network, or krb5.conf names the wrong KDC", k.ev.Realm, clip.String(msg, 200))
	case strings.Contains(msg, "could not find TGT session"), strings.Contains(msg, "KDC_ERR_WRONG_REALM"):
		k.fail("realm", "no ticket for the realm %s of %s with the ticket of %s (%s)", k.ev.Realm, k.ev.SPN, k.ev.Principal, clip.String(msg, 200))
	default:
		k.fail("other", "no service ticket for %s: %s", k.ev.SPN, clip.String(msg, 300))
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
