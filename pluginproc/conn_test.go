//go:build linux || darwin

package pluginproc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// pipeConn is a conn whose plugin side is in the test: reqs is what the
// plugin would read on fd 3, resp what it would write on fd 4.
func pipeConn(t *testing.T, notify func(string, json.RawMessage)) (c *conn, reqs *os.File, resp *os.File) {
	t.Helper()
	reqR, reqW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c = newConn(reqW, respR, notify)
	t.Cleanup(func() {
		c.close()
		reqR.Close()
		respW.Close()
	})
	return c, reqR, respW
}

func TestConnProtocolViolations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, line, want string
	}{
		{"not JSON", "hello world\n",
			"protocol: fd 4 line 1: want one JSON-RPC object per line, got hello world: invalid character 'h' looking for beginning of value"},
		{"request from plugin", `{"jsonrpc":"2.0","id":5,"method":"gimme"}` + "\n",
			`protocol: fd 4 line 1: plugin sent a request (method "gimme"); plugins may only send notifications (no id)`},
		{"string id", `{"jsonrpc":"2.0","id":"one","result":1}` + "\n",
			`protocol: fd 4 line 1: answer with id "one", want an integer`},
		{"error without id", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: bad"}}` + "\n",
			"protocol: fd 4 line 1: plugin reported parse error: bad"},
		{"empty answer", `{"jsonrpc":"2.0","id":1}` + "\n",
			"protocol: fd 4 line 1: answer 1 has neither result nor error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, resp := pipeConn(t, nil)
			if _, err := resp.WriteString(tc.line); err != nil {
				t.Fatal(err)
			}
			err := c.call(context.Background(), "isRenderFinished", nil, nil, 5*time.Second)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestConnMatchesAnswersAndOrdersNotifications(t *testing.T) {
	t.Parallel()
	var got []string
	notify := func(method string, params json.RawMessage) {
		got = append(got, method+" "+string(params))
	}
	c, reqs, resp := pipeConn(t, notify)
	// The plugin side: read the request, send a notification and the
	// answer, split over two writes to check line reassembly.
	go func() {
		buf := make([]byte, 4096)
		n, _ := reqs.Read(buf)
		var req request
		_ = json.Unmarshal(buf[:n], &req)
		resp.WriteString(`{"jsonrpc":"2.0","method":"updateImagePath","params":{"path":"/a.png"}}` + "\n" + `{"jsonrpc":"2.0","id":`)
		time.Sleep(10 * time.Millisecond)
		resp.WriteString(strings.TrimSpace(string(mustJSON(req.ID))) + `,"result":true}` + "\n")
	}()
	var done bool
	if err := c.call(context.Background(), "isRenderFinished", nil, &done, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Error("result false, want true")
	}
	if len(got) != 1 || got[0] != `updateImagePath {"path":"/a.png"}` {
		t.Errorf("notifications = %q", got)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestConnDeadlineAndClosed(t *testing.T) {
	t.Parallel()
	c, _, resp := pipeConn(t, nil)
	err := c.call(context.Background(), "mouseClick", clickParams{0.5, 0.5}, nil, 50*time.Millisecond)
	var de *DeadlineError
	if !errors.As(err, &de) || err.Error() != "mouseClick did not answer within 50ms (deadline)" {
		t.Errorf("deadline: %v", err)
	}
	resp.Close()
	err = c.call(context.Background(), "isRenderFinished", nil, nil, 5*time.Second)
	if !errors.Is(err, errConnClosed) {
		t.Errorf("after the plugin closed fd 4: %v, want errConnClosed", err)
	}
}

func TestConnLineTooLong(t *testing.T) {
	t.Parallel()
	c, _, resp := pipeConn(t, nil)
	go func() {
		chunk := []byte(strings.Repeat("x", 1<<20))
		for i := 0; i <= maxMessageBytes>>20; i++ {
			if _, err := resp.Write(chunk); err != nil {
				return
			}
		}
	}()
	err := c.call(context.Background(), "isRenderFinished", nil, nil, 10*time.Second)
	want := "protocol: fd 4 line 1: line longer than 16777216 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// FuzzHandleLine feeds arbitrary lines from a plugin to the connection: it
// must never panic, and a call waiting for id 1 gets at most one answer.
func FuzzHandleLine(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":true}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x","data":{"traceback":"t"}}}`,
		`{"jsonrpc":"2.0","method":"updateMetadata","params":{"metadata":{"a":1}}}`,
		`{"jsonrpc":"2.0","method":"updateImagePath","params":{"path":5}}`,
		`{"id":null,"method":"x"}`, `[]`, `null`, `{"id":1e400}`, `{"id":-1,"result":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r := &remote{host: newFakeHost(1), kind: "python", label: "L", file: "f"}
		c := &conn{pending: map[int64]chan *message{}, dead: make(chan struct{}), notify: r.notify}
		ch := make(chan *message, 1)
		c.pending[1] = ch
		_ = c.handleLine(1, line)
		_ = c.handleLine(2, line) // a repeated answer must not block
		select {
		case m := <-ch:
			if m.Error == nil && m.Result == nil {
				t.Errorf("answer without result or error accepted from %q", line)
			}
		default:
		}
	})
}
