package pembundle

import (
	"bytes"
	"encoding/pem"
	"fmt"
)

var beginMarker = []byte("-----BEGIN")

// decodeStrict returns every PEM block of data. When data holds anything but
// PEM blocks and white space, it returns the blocks before that and a phrase
// saying what was found. With secret set the phrase never quotes the input.
func decodeStrict(data []byte, secret bool) ([]*pem.Block, string) {
	var blocks []*pem.Block
	rest := data
	for {
		begin := bytes.Index(rest, beginMarker)
		if begin < 0 {
			if len(bytes.TrimSpace(rest)) == 0 {
				return blocks, ""
			}
			if len(blocks) == 0 {
				return nil, "no PEM block (no -----BEGIN line) in " + excerpt(rest, secret)
			}
			return blocks, "trailing garbage after the last PEM block: " + excerpt(rest, secret)
		}
		if before := rest[:begin]; len(bytes.TrimSpace(before)) > 0 {
			where := "between PEM blocks"
			if len(blocks) == 0 {
				where = "before the first PEM block"
			}
			return blocks, fmt.Sprintf("text %s: %s (remove everything outside the -----BEGIN and -----END lines)",
				where, excerpt(before, secret))
		}
		p, next := pem.Decode(rest[begin:])
		consumed := rest[begin : len(rest)-len(next)]
		if p == nil || bytes.Count(consumed, beginMarker) > 1 {
			start := ""
			if !secret {
				start = " (" + firstLine(rest[begin:]) + ")"
			}
			return blocks, fmt.Sprintf("PEM block %d is malformed%s: bad base64, or a missing or mismatched -----END line",
				len(blocks)+1, start)
		}
		blocks = append(blocks, p)
		rest = next
	}
}

// excerpt shows the start of some text for an error message, or only its size
// when the text may hold a secret.
func excerpt(text []byte, secret bool) string {
	text = bytes.TrimSpace(text)
	if secret {
		return fmt.Sprintf("%d bytes of other text", len(text))
	}
	const max = 40
	if len(text) > max {
		return fmt.Sprintf("%q...", text[:max])
	}
	return fmt.Sprintf("%q", text)
}

// firstLine returns the BEGIN line that starts text, quoted and bounded.
func firstLine(text []byte) string {
	if i := bytes.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	const max = 60
	if len(text) > max {
		return fmt.Sprintf("%q...", text[:max])
	}
	return fmt.Sprintf("%q", text)
}
