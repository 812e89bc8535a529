package logs

// splitFields cuts line into space-separated fields as load balancers and
// proxies write them: runs of spaces separate fields, a field that opens
// with '"' runs to the next unescaped '"' (the quotes are dropped) and one
// that opens with '[' runs to the next ']' (the brackets are dropped). It
// appends to dst (reused between lines) and returns false when a quote or
// bracket is not closed, with the fields found so far.
func splitFields(line []byte, dst [][]byte) ([][]byte, bool) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			return dst, true
		}
		switch line[i] {
		case '"':
			f, rest, ok := quoted(line[i+1:])
			if !ok {
				return append(dst, line[i+1:]), false
			}
			dst = append(dst, f)
			i = len(line) - len(rest)
		case '[':
			j := indexByte(line[i:], ']')
			if j < 0 {
				return append(dst, line[i+1:]), false
			}
			dst = append(dst, line[i+1:i+j])
			i += j + 1
		default:
			j := indexByte(line[i:], ' ')
			if j < 0 {
				return append(dst, line[i:]), true
			}
			dst = append(dst, line[i:i+j])
			i += j
		}
	}
}

// stripSyslog removes a syslog header from line: RFC 3164
// ("<134>Feb  6 12:14:14 host tag[pid]: ", the host optional), RFC 5424
// ("<134>1 2024-05-01T10:00:00.123Z host app pid - - ") or the ISO stamp
// rsyslog writes ("2024-05-01T10:00:00+00:00 host tag: "), with or
// without the "<PRI>". A line without such a header is returned as it is.
func stripSyslog(line []byte) []byte {
	b := line
	if len(b) > 2 && b[0] == '<' {
		j := 1
		for j < len(b) && j < 5 && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == 1 || j >= len(b) || b[j] != '>' {
			return line
		}
		b = b[j+1:]
		if len(b) > 2 && b[0] == '1' && b[1] == ' ' {
			// RFC 5424: VERSION TIMESTAMP HOST APP PROCID MSGID SD MSG.
			rest := b[2:]
			for k := 0; k < 5; k++ {
				sp := indexByte(rest, ' ')
				if sp < 0 {
					return line
				}
				rest = rest[sp+1:]
			}
			if len(rest) > 0 && rest[0] == '[' {
				end := indexByte(rest, ']')
				for end >= 0 && end+1 < len(rest) && rest[end+1] == '[' {
					nxt := indexByte(rest[end+1:], ']')
					if nxt < 0 {
						return line
					}
					end += 1 + nxt
				}
				if end < 0 {
					return line
				}
				rest = rest[end+1:]
			} else if sp := indexByte(rest, ' '); sp >= 0 {
				rest = rest[sp:]
			} else {
				return line
			}
			if len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
			return rest
		}
	}
	// RFC 3164 "Mmm dd hh:mm:ss " or an ISO stamp, then "host tag: ".
	switch {
	case len(b) > 16 && month3(b[0:3]) > 0 && b[3] == ' ' && b[6] == ' ' && b[9] == ':' && b[12] == ':' && b[15] == ' ':
		b = b[16:]
	case len(b) > 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':':
		sp := indexByte(b, ' ')
		if sp < 0 {
			return line
		}
		if _, ok := parseISOTime(b[:sp]); !ok {
			return line
		}
		b = b[sp+1:]
	default:
		return line
	}
	// host, which senders that write to the network may leave out
	// (HAProxy's "<134>Feb  6 12:14:14 haproxy[14389]: "): a first word
	// that ends in ':' and holds no other is the tag.
	sp := indexByte(b, ' ')
	if sp <= 0 {
		return line
	}
	if w := b[:sp]; w[sp-1] == ':' && indexByte(w[:sp-1], ':') < 0 {
		return b[sp+1:]
	}
	b = b[sp+1:]
	// tag: "name[pid]:" or "name:", no spaces
	for i, c := range b {
		if c == ' ' {
			return line
		}
		if c == ':' && i > 0 && i+1 < len(b) && b[i+1] == ' ' {
			return b[i+2:]
		}
		if i > 64 {
			break
		}
	}
	return line
}
