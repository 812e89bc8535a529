package probe

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"unicode/utf16"

	ntlmssp "github.com/Azure/go-ntlmssp"

	"github.com/why401/why401/internal/evidence"
)

// ntlmState is what the probe's NTLM client (curl's --ntlm: NTLMv2
// through go-ntlmssp's message functions) did in one run.
type ntlmState struct {
	mu sync.Mutex
	ev evidence.NTLM
}

func (n *ntlmState) snapshot() *evidence.NTLM {
	n.mu.Lock()
	defer n.mu.Unlock()
	ev := n.ev
	return &ev
}

// ntlmNegotiate is the first leg's Authorization: the negotiate (type 1)
// message, which carries no secret. curl sends it on the first request
// when --ntlm is the only scheme asked for.
func ntlmNegotiate() (string, error) {
	m, err := ntlmssp.NewNegotiateMessage("", "")
	if err != nil {
		return "", err
	}
	return "NTLM " + base64.StdEncoding.EncodeToString(m), nil
}

// ntlmChallenge returns the server's challenge (type 2) message of an
// NTLM challenge in a 401's WWW-Authenticate, if there is one.
func ntlmChallenge(cs []authChallenge) ([]byte, bool) {
	for _, c := range cs {
		if !c.is("NTLM") || c.Token68 == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(c.Token68)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(c.Token68, "="))
		}
		if err == nil && len(b) >= 12 && string(b[:8]) == "NTLMSSP\x00" && binary.LittleEndian.Uint32(b[8:]) == 2 {
			return b, true
		}
	}
	return nil, false
}

// ntlmTargetDomain is the domain a challenge message names as its
// target, "" when it names none or a server (a machine outside a domain,
// NTLMSSP_TARGET_TYPE_SERVER).
func ntlmTargetDomain(msg []byte) string {
	if len(msg) < 24 {
		return ""
	}
	l, off := int(binary.LittleEndian.Uint16(msg[12:])), int(binary.LittleEndian.Uint32(msg[16:]))
	flags := binary.LittleEndian.Uint32(msg[20:])
	const targetTypeDomain = 0x10000
	if l == 0 || off < 0 || off+l > len(msg) || flags&targetTypeDomain == 0 {
		return ""
	}
	b := msg[off : off+l]
	if flags&1 == 0 { // NTLMSSP_NEGOTIATE_UNICODE not set: OEM
		return string(b)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// ntlmAuthenticate answers a challenge message with the user's
// credentials ("DOMAIN\user:password"): the authenticate (type 3)
// message, the credential of the handshake.
func ntlmAuthenticate(challengeMsg []byte, userPass string) (string, error) {
	user, pass, _ := strings.Cut(userPass, ":")
	m, err := ntlmssp.NewAuthenticateMessage(challengeMsg, user, pass, nil)
	if err != nil {
		return "", err
	}
	return "NTLM " + base64.StdEncoding.EncodeToString(m), nil
}

// ntlmAnswer answers the server's NTLM challenge in ex, for --ntlm: the
// authenticate message goes on the same connection as the negotiate
// message, on the same URL. It reports whether there is an answer to send.
func (p *run) ntlmAnswer(st *challengeState, plan trialPlan, ex evidence.Exchange) bool {
	if st.answers > 0 || !st.ntlmLeg1 || ex.Response == nil || ex.Response.Status != http.StatusUnauthorized {
		return false
	}
	cs, _ := parseChallenges(ex.Response.Header.Values("Www-Authenticate"))
	msg, ok := ntlmChallenge(cs)
	if !ok {
		return false
	}
	p.ntlm.mu.Lock()
	if p.ntlm.ev.ServerDomain == "" {
		p.ntlm.ev.ServerDomain = ntlmTargetDomain(msg)
	}
	p.ntlm.mu.Unlock()
	a, err := ntlmAuthenticate(msg, p.cfg.user)
	if err != nil {
		if plan.variant == evidence.AsGiven {
			p.ntlm.mu.Lock()
			p.ntlm.ev.Problem, p.ntlm.ev.Err = "bad-challenge", "the server's NTLM challenge could not be answered: "+oneLine(err.Error())
			p.ntlm.mu.Unlock()
		}
		return false
	}
	st.answer, st.scheme = a, "NTLM"
	st.answers++
	p.ntlm.mu.Lock()
	p.ntlm.ev.Handshakes++
	p.ntlm.mu.Unlock()
	return true
}

// ntlmOutcome reads the request as given's handshake and records what
// went wrong with it, if anything.
func (p *run) ntlmOutcome(t *evidence.Trial) {
	p.ntlm.mu.Lock()
	defer p.ntlm.mu.Unlock()
	ev := &p.ntlm.ev
	ev.Proxy = p.cfg.proxy != nil
	if ev.Problem != "" {
		return
	}
	var leg1, leg3 *evidence.Exchange
	for i := range t.Hops {
		h := &t.Hops[i]
		switch {
		case h.Answers == "NTLM" && leg1 != nil && leg3 == nil:
			leg3 = h
		case leg1 == nil && strings.HasPrefix(h.Request.Header.Get("Authorization"), "NTLM "):
			leg1 = h
		}
	}
	if leg1 == nil || leg1.Response == nil || leg1.Response.Status != http.StatusUnauthorized {
		return
	}
	if leg3 == nil {
		cs, _ := parseChallenges(leg1.Response.Header.Values("Www-Authenticate"))
		var offered []string
		for _, c := range cs {
			offered = append(offered, c.Scheme)
		}
		switch {
		case len(offered) == 0:
			ev.Problem, ev.Err = "no-challenge", "the negotiate message was answered with a 401 without any challenge"
		case !offersScheme(cs, "NTLM"):
			ev.Problem, ev.Err = "no-challenge", fmt.Sprintf("the server does not offer NTLM: its 401 offers %s", strings.Join(offered, ", "))
		default:
			ev.Problem, ev.Err = "no-challenge", "the negotiate message was answered with a bare NTLM challenge instead of a challenge message: the server (or something in front of it) did not see the message, or did not take it"
		}
		return
	}
	if leg3.Response == nil || leg3.Response.Status != http.StatusUnauthorized {
		return
	}
	closes := strings.EqualFold(strings.TrimSpace(leg1.Response.Header.Get("Connection")), "close")
	switch {
	case !leg3.Reused:
		ev.Problem = "connection-closed"
		ev.Err = "the connection of the challenge was gone when the authenticate message was sent, so it went on a new connection, where the server has no handshake to complete"
		if closes {
			ev.Err = "the challenge came with Connection: close, so the authenticate message went on a new connection, where the server has no handshake to complete"
		}
	default:
		ev.Problem = "refused"
		ev.Err = "the authenticate message was answered with 401 on the connection of the challenge: the user name, domain or password was refused"
		if ev.Proxy {
			ev.Err += ", or the proxy handed the legs of the handshake to different connections upstream"
		}
	}
}
