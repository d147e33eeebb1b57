package tlsciphers

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// TLS protocol versions as they travel in a hello.
const (
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// VersionName is "TLSv1.2" for VersionTLS12, and so on.
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSLv3"
	case 0x0301:
		return "TLSv1"
	case VersionTLS11:
		return "TLSv1.1"
	case VersionTLS12:
		return "TLSv1.2"
	case VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}

// Hello is one client hello of a probe: the highest version it offers (TLS 1.3 alone, or
// one version up to 1.2) and its cipher suites in the client's order.
type Hello struct {
	Version uint16
	Suites  []uint16
}

// tls13Offer are the TLS 1.3 suites a TLS 1.3 hello offers.
var tls13Offer = []uint16{0x1301, 0x1302, 0x1303}

// ClientHello is the record of h: a hello that any server from TLS 1.0 to 1.3 answers with
// its ServerHello or an alert (the probe reads no further). random is 32 bytes and, for a
// TLS 1.3 hello, key 32 bytes of an X25519 key share (any 32 bytes are one).
func ClientHello(h Hello, random, key []byte) []byte {
	suites := h.Suites
	legacy := h.Version
	if h.Version == VersionTLS13 {
		suites, legacy = tls13Offer, VersionTLS12
	}
	var ext []byte
	addExt := func(typ uint16, body []byte) {
		ext = binary.BigEndian.AppendUint16(ext, typ)
		ext = binary.BigEndian.AppendUint16(ext, uint16(len(body)))
		ext = append(ext, body...)
	}
	// Groups: X25519, P-256, P-384, P-521, ffdhe2048.
	addExt(0x000a, u16list([]uint16{0x001d, 0x0017, 0x0018, 0x0019, 0x0100}))
	addExt(0x000b, []byte{1, 0}) // EC point formats: uncompressed
	// Signature algorithms: ECDSA, RSA-PSS, RSA PKCS#1 (SHA-2, then SHA-1 for old servers).
	addExt(0x000d, u16list([]uint16{0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201}))
	addExt(0x0017, nil)       // extended master secret
	addExt(0xff01, []byte{0}) // renegotiation info: an initial handshake
	if h.Version == VersionTLS13 {
		addExt(0x002b, []byte{2, 0x03, 0x04}) // supported versions: TLS 1.3 only
		share := binary.BigEndian.AppendUint16(nil, 0x001d)
		share = binary.BigEndian.AppendUint16(share, 32)
		share = append(share, key[:32]...)
		addExt(0x0033, append(binary.BigEndian.AppendUint16(nil, uint16(len(share))), share...)) // key share: X25519
		addExt(0x002d, []byte{1, 1})                                                             // PSK modes: with (EC)DHE
	}
	body := binary.BigEndian.AppendUint16(nil, legacy)
	body = append(body, random[:32]...)
	body = append(body, 0) // no session id
	body = append(body, u16list(suites)...)
	body = append(body, 1, 0) // compression: none
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	hs := append([]byte{1}, u24(len(body))...)
	hs = append(hs, body...)
	rec := []byte{22, 0x03, 0x01}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

func u16list(v []uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(2*len(v)))
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

func u24(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }

// Reply is a server's answer to a hello: Accepted with the version and cipher it chose, or
// refused with the alert it sent (0 when it closed without one).
type Reply struct {
	Accepted bool
	Version  uint16
	Cipher   uint16
	Alert    byte
}

// ErrIncomplete: the bytes so far hold no whole answer yet; read more.
var ErrIncomplete = errors.New("incomplete TLS answer")

// ParseReply reads a server's first records: the ServerHello (its version from the supported
// versions extension when there is one: TLS 1.3, a HelloRetryRequest included) or an alert.
// ErrIncomplete asks for more bytes; any other error says the bytes are no TLS answer.
func ParseReply(b []byte) (Reply, error) {
	var hs []byte
	for len(b) > 0 {
		if len(b) < 5 {
			return Reply{}, ErrIncomplete
		}
		typ, n := b[0], int(binary.BigEndian.Uint16(b[3:5]))
		if b[1] != 3 || n > 1<<14+2048 {
			return Reply{}, fmt.Errorf("not a TLS record (% x)", b[:5])
		}
		if len(b) < 5+n {
			return Reply{}, ErrIncomplete
		}
		frag := b[5 : 5+n]
		b = b[5+n:]
		switch typ {
		case 21: // alert
			if len(frag) < 2 {
				return Reply{}, errors.New("short TLS alert")
			}
			return Reply{Alert: frag[1]}, nil
		case 22: // handshake: the ServerHello may span records
			hs = append(hs, frag...)
			if len(hs) >= 4 {
				if hs[0] != 2 {
					return Reply{}, fmt.Errorf("TLS handshake message %d, not a ServerHello", hs[0])
				}
				if m := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3]); len(hs) >= 4+m {
					return parseServerHello(hs[4 : 4+m])
				}
			}
		default:
			return Reply{}, fmt.Errorf("TLS record type %d before the ServerHello", typ)
		}
	}
	return Reply{}, ErrIncomplete
}

func parseServerHello(m []byte) (Reply, error) {
	bad := errors.New("malformed ServerHello")
	if len(m) < 2+32+1 {
		return Reply{}, bad
	}
	r := Reply{Accepted: true, Version: binary.BigEndian.Uint16(m)}
	m = m[34:]
	sid := int(m[0])
	if len(m) < 1+sid+3 {
		return Reply{}, bad
	}
	m = m[1+sid:]
	r.Cipher = binary.BigEndian.Uint16(m)
	m = m[3:]
	if len(m) < 2 {
		return r, nil // no extensions
	}
	exts := m[2:]
	for len(exts) >= 4 {
		typ, n := binary.BigEndian.Uint16(exts), int(binary.BigEndian.Uint16(exts[2:]))
		if len(exts) < 4+n {
			return Reply{}, bad
		}
		if typ == 0x002b && n == 2 {
			r.Version = binary.BigEndian.Uint16(exts[4:])
		}
		exts = exts[4+n:]
	}
	return r, nil
}
