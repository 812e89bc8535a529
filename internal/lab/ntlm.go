package lab

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"unicode/utf16"
)

func utf16le(s string) []byte {
	var b []byte
	for _, r := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, r)
	}
	return b
}

// NTLMChallenge builds an NTLM challenge (type 2) message naming
// domain as its target, with target information, as a domain server
// sends it.
func NTLMChallenge(domain string) []byte {
	name := utf16le(domain)
	info := binary.LittleEndian.AppendUint16(nil, 2) // MsvAvNbDomainName
	info = binary.LittleEndian.AppendUint16(info, uint16(len(name)))
	info = append(info, name...)
	info = append(info, 0, 0, 0, 0) // MsvAvEOL
	const head = 56
	b := []byte("NTLMSSP\x00")
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint32(b, head)
	// UNICODE | NTLM | TARGET_TYPE_DOMAIN | EXTENDED_SESSIONSECURITY | TARGET_INFO
	b = binary.LittleEndian.AppendUint32(b, 0x1|0x200|0x10000|0x80000|0x800000)
	b = append(b, 1, 2, 3, 4, 5, 6, 7, 8) // server challenge
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(info)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(info)))
	b = binary.LittleEndian.AppendUint32(b, uint32(head+len(name)))
	b = append(b, 6, 1, 0, 0, 0, 0, 0, 15) // version
	return append(append(b, name...), info...)
}

// serveNTLMClosing imitates IIS with Windows authentication behind a
// proxy without keep-alive: it answers NTLM's negotiate message with a
// challenge and closes the connection, so the authenticate message can
// only arrive on a new one, where IIS no longer knows the handshake.
func serveNTLMClosing(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "Microsoft-IIS/10.0")
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "NTLM ")
	msg, _ := base64.StdEncoding.DecodeString(tok)
	if ok && len(msg) > 12 && string(msg[:8]) == "NTLMSSP\x00" && msg[8] == 1 {
		h.Set("Connection", "close")
		h.Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(NTLMChallenge("LAB")))
	} else {
		h.Set("WWW-Authenticate", "NTLM")
	}
	writeBody(w, http.StatusUnauthorized, "text/html", []byte(iis401))
}
