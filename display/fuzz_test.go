package display

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the stream reader and the decoder:
// they must not panic, and a packet they accept must encode back to bytes
// that decode to the same meaning.
func FuzzDecode(f *testing.F) {
	if fh, err := os.Open("testdata/tevclient-packets.jsonl"); err == nil {
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var c struct{ Hex string }
			if json.Unmarshal(sc.Bytes(), &c) == nil {
				if b, err := hex.DecodeString(c.Hex); err == nil {
					f.Add(b)
				}
			}
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		r.MaxPacket = 1 << 20
		for {
			p, err := r.Next()
			if err != nil {
				break
			}
			b, err := Append(nil, p)
			if err != nil {
				// Only an OpenImage v1 is not re-encodable as given.
				continue
			}
			q, err := Decode(b)
			if err != nil {
				t.Fatalf("re-encoded %v does not decode: %v", p.Head().Type, err)
			}
			x, _ := json.Marshal(Canonical(p))
			y, _ := json.Marshal(Canonical(q))
			if !bytes.Equal(x, y) {
				t.Fatalf("round trip changed %v:\n%s\n%s", p.Head().Type, x, y)
			}
		}
		Decode(data)
	})
}
