// Command goplugin is an example rgallery background-renderer plugin written
// in Go, speaking the plugin protocol (docs/plugin-protocol.md) with the
// standard library only. Build it and put the binary on the plugin path:
//
//	go build -o ~/rgallery/backgroundrenderers/goplugin ./examples/goplugin
//	rgallery renderers        # lists "Go Gradient"
//
// rgallery starts it once to list its renderers, then once per render. It
// reads JSON-RPC requests from fd 3 and writes answers and notifications to
// fd 4; stdout and stderr go to the render's log. The "render" is a
// gradient that gets less noisy with every pass, written as a PNG after
// each pass, brighter around the last click.
//
// It is an example, not a library: a plugin in another language does the
// same in the same few steps.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

const label = "Go Gradient"

// request and response are the JSON-RPC 2.0 messages of the protocol.
type request struct {
	ID     *json.RawMessage `json:"id"`
	Method string           `json:"method"`
	Params json.RawMessage  `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// wire writes whole lines to fd 4; the render goroutine and the request
// loop share it.
type wire struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (w *wire) send(msg map[string]any) {
	msg["jsonrpc"] = "2.0"
	b, err := json.Marshal(msg)
	if err != nil {
		log.Printf("encode %v: %v", msg, err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w.Write(append(b, '\n'))
	w.w.Flush()
}

func (w *wire) notify(method string, params any) {
	w.send(map[string]any{"method": method, "params": params})
}

// render is the one render item this process serves.
type render struct {
	wire   *wire
	itemID int64
	source string

	mu      sync.Mutex
	passes  int
	done    int
	focusX  float64
	focusY  float64
	stopped bool
	image   string
	start   time.Time
	wg      sync.WaitGroup
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("goplugin: ")
	in, out := protocolFiles()
	if in == nil || out == nil {
		log.Fatal("fds 3 and 4 are not open: rgallery starts this program, see docs/plugin-protocol.md")
	}
	w := &wire{w: bufio.NewWriter(out)}
	var r *render
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			w.send(map[string]any{"id": nil, "error": rpcError{-32700, "parse error: " + err.Error()}})
			continue
		}
		result, rerr := handle(w, &r, req)
		if req.ID == nil {
			continue // a notification needs no answer
		}
		if rerr != nil {
			w.send(map[string]any{"id": req.ID, "error": rerr})
		} else {
			w.send(map[string]any{"id": req.ID, "result": result})
		}
	}
	// rgallery hung up: stop rendering and exit.
	if r != nil {
		r.stop()
	}
}

func handle(w *wire, rp **render, req request) (any, *rpcError) {
	r := *rp
	if r == nil && req.Method != "handshake" && req.Method != "register" && req.Method != "create" {
		return nil, &rpcError{-32002, "no renderer: call create first"}
	}
	switch req.Method {
	case "handshake":
		var p struct{ Versions []int }
		_ = json.Unmarshal(req.Params, &p)
		for _, v := range p.Versions {
			if v == 1 {
				return map[string]any{"version": 1, "name": "goplugin", "runtime": "go", "pid": os.Getpid()}, nil
			}
		}
		return nil, &rpcError{-32602, fmt.Sprintf("no common protocol version: offered %v, I speak [1]", p.Versions)}
	case "register":
		return map[string]any{"renderers": []map[string]string{{"label": label}}}, nil
	case "create":
		var p struct {
			Label  string `json:"label"`
			ItemID int64  `json:"item_id"`
			Source string `json:"source"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil || p.Label != label {
			return nil, &rpcError{-32602, fmt.Sprintf("no renderer labelled %q", p.Label)}
		}
		*rp = &render{wire: w, itemID: p.ItemID, source: p.Source, focusX: 0.5, focusY: 0.5}
		return nil, nil
	case "pollFrequency":
		return 0.5, nil
	case "getConfigOptions":
		var p struct {
			Old map[string]any `json:"old_options"`
		}
		_ = json.Unmarshal(req.Params, &p)
		opts := map[string]any{"passes": 8.0}
		for k, v := range p.Old {
			opts[k] = v
		}
		return opts, nil
	case "startBackgroundRender":
		var p struct {
			USD     string `json:"usd_filepath"`
			Options struct {
				Plugin   map[string]any `json:"plugin"`
				Viewport struct {
					ResX int `json:"res_x"`
					ResY int `json:"res_y"`
				} `json:"viewport"`
			} `json:"options"`
		}
		if err := json.Unmarshal(req.Params, &p); err != nil {
			return nil, &rpcError{-32602, "startBackgroundRender params: " + err.Error()}
		}
		passes := 8
		if v, ok := p.Options.Plugin["passes"].(float64); ok && v >= 1 {
			passes = int(v)
		}
		dir, _ := p.Options.Plugin["outdir"].(string)
		if dir == "" {
			dir = os.TempDir()
		}
		w, h := p.Options.Viewport.ResX, p.Options.Viewport.ResY
		if w <= 0 || h <= 0 {
			w, h = 64, 48
		}
		r.begin(filepath.Join(dir, fmt.Sprintf("goplugin_%d.png", r.itemID)), passes, w, h)
		fmt.Printf("rendering %s at %dx%d in %d passes\n", p.USD, w, h, passes)
		return nil, nil
	case "isRenderFinished":
		return r.poll(), nil
	case "mouseClick":
		var p struct{ X, Y float64 }
		_ = json.Unmarshal(req.Params, &p)
		r.mu.Lock()
		r.focusX, r.focusY = p.X, p.Y
		r.mu.Unlock()
		return nil, nil
	case "stopBackgroundRender":
		r.stop()
		return nil, nil
	}
	return nil, &rpcError{-32601, fmt.Sprintf("method %q not found", req.Method)}
}

func (r *render) begin(path string, passes, w, h int) {
	r.mu.Lock()
	r.image, r.passes, r.start = path, passes, time.Now()
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		rng := rand.New(rand.NewSource(r.itemID))
		acc := make([]float64, w*h)
		for pass := 1; pass <= passes; pass++ {
			r.mu.Lock()
			if r.stopped {
				r.mu.Unlock()
				return
			}
			fx, fy := r.focusX, r.focusY
			r.mu.Unlock()
			img := image.NewGray(image.Rect(0, 0, w, h))
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					u, v := (float64(x)+0.5)/float64(w), (float64(y)+0.5)/float64(h)
					glow := math.Exp(-8 * ((u-fx)*(u-fx) + (v-fy)*(v-fy)))
					acc[y*w+x] += 0.6*u + 0.4*glow + 0.3*(rng.Float64()-0.5)
					c := acc[y*w+x] / float64(pass)
					img.SetGray(x, y, color.Gray{uint8(math.Max(0, math.Min(255, c*255)))})
				}
			}
			if err := writePNG(path, img); err != nil {
				log.Printf("pass %d: %v", pass, err)
				return
			}
			r.mu.Lock()
			r.done = pass
			r.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
}

// poll reports progress; the image is announced after every finished pass.
func (r *render) poll() bool {
	r.mu.Lock()
	done, passes, path, elapsed, stopped := r.done, r.passes, r.image, time.Since(r.start), r.stopped
	r.mu.Unlock()
	percent := 0.0
	if passes > 0 {
		percent = 100 * float64(done) / float64(passes)
	}
	r.wire.notify("updateMetadata", map[string]any{"metadata": map[string]any{
		"totalClockTime": elapsed.Seconds(),
		"percentDone":    percent,
		"passes":         done,
	}})
	if done > 0 {
		r.wire.notify("updateImagePath", map[string]any{"path": path})
	}
	return done == passes || stopped
}

func (r *render) stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.wg.Wait()
}

// writePNG writes atomically, so that rgallery never reads half a file.
func writePNG(path string, img image.Image) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// protocolFiles returns the protocol pipes: fd 3 and fd 4, or on Windows
// the two inherited handles named in RGALLERY_PLUGIN_HANDLES ("READ,WRITE").
func protocolFiles() (in, out *os.File) {
	v := os.Getenv("RGALLERY_PLUGIN_HANDLES")
	os.Unsetenv("RGALLERY_PLUGIN_HANDLES") // not for our children
	if v == "" {
		return os.NewFile(3, "requests"), os.NewFile(4, "answers")
	}
	a, b, _ := strings.Cut(v, ",")
	r, err1 := strconv.ParseUint(a, 10, 64)
	w, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		log.Fatalf("RGALLERY_PLUGIN_HANDLES=%q: want READ,WRITE handle numbers", v)
	}
	return os.NewFile(uintptr(r), "requests"), os.NewFile(uintptr(w), "answers")
}
